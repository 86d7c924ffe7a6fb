#include "image/oci/blob_store.hpp"

#include "common/error.hpp"
#include "image/oci/checked_blob_stream.hpp"
#include "image/oci/digest_text.hpp"
#include "image/oci/json_document.hpp"
#include "common/printable.hpp"

namespace hpc::image::oci {

std::string blob_path(std::string_view digest) {
    auto parts = split_digest(digest);
    if (!parts) throw Error(ExitCode::data, "blob " + quoted_printable(digest) + ": not a valid digest");
    return "blobs/" + std::string(parts->algorithm) + "/" + std::string(parts->hex);
}

std::string read_json_blob(BlobStore& store, const Descriptor& descriptor) {
    // The size is checked before the blob is opened: a descriptor asking for gigabytes fails
    // without a byte read.
    if (descriptor.size > max_json_bytes)
        throw Error(ExitCode::data, store.where() + ": blob " + short_digest(descriptor.digest) + ": " +
                                        std::to_string(descriptor.size) + " bytes, more than the " +
                                        std::to_string(max_json_bytes) + " a JSON document may have");
    auto stream = store.open_blob(descriptor);
    std::string bytes(static_cast<std::size_t>(descriptor.size), '\0');
    std::size_t have = 0;
    while (have < bytes.size()) {
        std::size_t got = stream->read(bytes.data() + have, bytes.size() - have);
        if (got == 0) break;  // not before the end: the stream throws "truncated" first
        have += got;
    }
    stream->finish();
    return bytes;
}

}  // namespace hpc::image::oci
