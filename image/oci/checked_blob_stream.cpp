#include "image/oci/checked_blob_stream.hpp"

#include "common/error.hpp"
#include "image/oci/digest_text.hpp"
#include "common/printable.hpp"

#include <array>

namespace hpc::image::oci {
namespace {

std::string_view algorithm_of(const Descriptor& descriptor, const std::string& where) {
    auto parts = split_digest(descriptor.digest);
    if (!parts)
        throw Error(ExitCode::data, where + ": blob " + quoted_printable(descriptor.digest) + ": not a valid digest");
    return parts->algorithm;
}

}  // namespace

CheckedBlobStream::CheckedBlobStream(std::unique_ptr<tar::ByteReader> bytes, Descriptor descriptor, std::string where)
    : bytes_(std::move(bytes)),
      descriptor_(std::move(descriptor)),
      where_(std::move(where)),
      hasher_(algorithm_of(descriptor_, where_)) {}

void CheckedBlobStream::fail(const std::string& cause) {
    failure_ = where_ + ": blob " + short_digest(descriptor_.digest) + ": " + cause;
    throw Error(ExitCode::data, *failure_);
}

std::size_t CheckedBlobStream::read(void* buffer, std::size_t size) {
    if (failure_) throw Error(ExitCode::data, *failure_);
    if (ended_ || size == 0) return 0;
    std::size_t got = 0;
    try {
        got = bytes_->read_some(buffer, size);
    } catch (const Error& error) {
        fail(error.what());
    }
    if (got == 0) {
        check_end();
        return 0;
    }
    // Nothing past the size the descriptor vouches for is handed on: a blob that goes on is
    // refused at its first extra byte, not after the caller has used it.
    if (got > descriptor_.size - position_)
        fail("larger than the " + std::to_string(descriptor_.size) + " bytes its descriptor gives");
    hasher_.update(buffer, got);
    position_ += got;
    return got;
}

void CheckedBlobStream::check_end() {
    if (position_ < descriptor_.size)
        fail("truncated: " + std::to_string(position_) + " of " + std::to_string(descriptor_.size) + " bytes");
    std::string actual = hasher_.digest();
    if (actual != descriptor_.digest) fail("digest mismatch (expected " + descriptor_.digest + ", got " + actual + ")");
    ended_ = true;
}

void CheckedBlobStream::finish() {
    std::array<char, 64 * 1024> scratch{};
    while (read(scratch.data(), scratch.size()) != 0) {
    }
}

}  // namespace hpc::image::oci
