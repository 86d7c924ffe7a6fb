#include "image/cache/blob_file_writer.hpp"

#include "common/error.hpp"
#include "common/write_file.hpp"
#include "image/oci/digest_text.hpp"

namespace hpc::image::cache {

BlobFileWriter::BlobFileWriter(int fd, std::string path, const oci::Descriptor& descriptor)
    : fd_(fd), path_(std::move(path)), descriptor_(descriptor), hasher_(oci::split_digest(descriptor.digest)->algorithm) {}

void BlobFileWriter::fail(const std::string& cause) const {
    throw Error(ExitCode::data, "blob " + oci::short_digest(descriptor_.digest) + ": " + cause);
}

void BlobFileWriter::write(const void* data, std::size_t size) {
    // Refused at the first byte past the size the descriptor vouches for: a source that goes on
    // cannot fill the disk.
    if (size > descriptor_.size - written_)
        fail("larger than the " + std::to_string(descriptor_.size) + " bytes its descriptor gives");
    hasher_.update(data, size);
    write_all(fd_, std::string_view(static_cast<const char*>(data), size), path_);
    written_ += size;
}

void BlobFileWriter::check_complete() {
    if (written_ != descriptor_.size)
        fail("size " + std::to_string(written_) + " bytes, not " + std::to_string(descriptor_.size));
    std::string got = hasher_.digest();
    if (got != descriptor_.digest) fail("digest mismatch (got " + got + ")");
}

}  // namespace hpc::image::cache
