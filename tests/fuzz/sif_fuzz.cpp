// The SIF reader (image/sif/sif.hpp) on any bytes: the global header, the descriptors, and the
// partitions a launch and --overlay look for among them.
#include "common/byte_source.hpp"
#include "fuzz_input.hpp"
#include "image/sif/sif.hpp"

#include <string>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
    hpc::MemoryByteSource source{std::string(hpc::fuzz::text_of(data, size))};
    hpc::fuzz::refused_or_parsed([&] {
        if (!hpc::image::has_sif_magic(source)) return;
        hpc::image::SifFile sif = hpc::image::read_sif(source);
        (void)hpc::image::find_overlay_partition(sif);
        hpc::fuzz::refused_or_parsed([&] { (void)hpc::image::select_root_partition(sif, hpc::image::host_sif_arch()); });
        hpc::fuzz::refused_or_parsed([&] { (void)hpc::image::select_data_partition(sif, std::nullopt); });
    });
    return 0;
}
