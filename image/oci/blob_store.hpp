// Blobs by digest, as an image's readers see them: an OCI image layout's, whether a directory or
// a tar of one (layout_source.cpp, archive_source.cpp), or a registry's through the cache
// (image/registry). image_index.cpp walks the documents in one.
#pragma once

#include "image/oci/oci_image.hpp"

#include <memory>
#include <string>
#include <string_view>

namespace hpc::image::oci {

class BlobStore {
public:
    virtual ~BlobStore() = default;
    // The layout's directory or the archive, as the user named it: every message starts with it.
    virtual const std::string& where() const = 0;
    // The blob `descriptor` names, checked against it as it streams. Throws hpc::Error(data)
    // naming the blob when the store has no such blob, or it is no regular file.
    virtual std::unique_ptr<BlobStream> open_blob(const Descriptor& descriptor) = 0;
};

// "blobs/ALG/HEX", a blob's path in a layout, for a digest that passed is_valid_digest (which
// is what keeps the path inside blobs/). Throws hpc::Error(data) for any other.
std::string blob_path(std::string_view digest);

// A JSON blob (manifest, index, config) whole, its size bounded by max_json_bytes before it is
// read, its digest checked.
std::string read_json_blob(BlobStore& store, const Descriptor& descriptor);

}  // namespace hpc::image::oci
