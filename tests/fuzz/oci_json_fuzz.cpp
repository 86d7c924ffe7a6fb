// An OCI image's JSON documents (image/oci/): any bytes as an index, a manifest and a config,
// as a layout's, an archive's or a registry's would be read.
#include "fuzz_input.hpp"
#include "image/oci/image_config.hpp"
#include "image/oci/index_document.hpp"
#include "image/oci/json_document.hpp"
#include "image/oci/manifest_document.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
    namespace oci = hpc::image::oci;
    std::string_view bytes = hpc::fuzz::text_of(data, size);
    hpc::fuzz::refused_or_parsed([&] {
        oci::Json document = oci::parse_json_object(bytes, "fuzz");
        hpc::fuzz::refused_or_parsed([&] { (void)oci::kind_of_document(document, "an index", "fuzz"); });
        hpc::fuzz::refused_or_parsed([&] { (void)oci::parse_index(document, "fuzz"); });
        hpc::fuzz::refused_or_parsed([&] { (void)oci::parse_manifest(document, "fuzz"); });
    });
    hpc::fuzz::refused_or_parsed([&] { (void)oci::parse_image_config(bytes, "fuzz"); });
    return 0;
}
