// A blob's bytes checked as they stream: size and digest against the descriptor, errors that
// name the file and the blob, reads of any size, finish() draining what is left.
#include "image/oci/blob_digest.hpp"
#include "image/oci/checked_blob_stream.hpp"

#include "image_fixture.hpp"
#include "thrown_error.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cstring>

using hpc::ExitCode;
using hpc::image::tar::ByteReader;
using hpc::image::oci::CheckedBlobStream;
using hpc::image::oci::Descriptor;
using hpc::image::oci::digest_of;
using hpc::test::error_message;

namespace {

// Bytes from memory, at most `piece` at a time, as a pipe or an archive gives them.
class MemoryReader final : public ByteReader {
public:
    MemoryReader(std::string bytes, std::size_t piece) : bytes_(std::move(bytes)), piece_(piece) {}
    std::size_t read_some(void* buffer, std::size_t size) override {
        std::size_t n = std::min({size, piece_, bytes_.size() - offset_});
        std::memcpy(buffer, bytes_.data() + offset_, n);
        offset_ += n;
        return n;
    }

private:
    std::string bytes_;
    std::size_t piece_;
    std::size_t offset_ = 0;
};

Descriptor descriptor_of(const std::string& bytes, const std::string& algorithm = "sha256") {
    return Descriptor{"application/vnd.oci.image.layer.v1.tar", digest_of(bytes, algorithm), bytes.size()};
}

CheckedBlobStream stream_of(const std::string& bytes, const Descriptor& descriptor, std::size_t piece = 1 << 20) {
    return CheckedBlobStream(std::make_unique<MemoryReader>(bytes, piece), descriptor, "img");
}

std::string read_all(hpc::image::oci::BlobStream& stream, std::size_t buffer_size) {
    std::string out;
    std::string buffer(buffer_size, '\0');
    while (std::size_t got = stream.read(buffer.data(), buffer.size())) out.append(buffer.data(), got);
    return out;
}

}  // namespace

TEST_CASE("a blob streams whole in reads of any size", "[oci]") {
    std::string bytes = hpc::test::random_bytes(100000, 7);
    for (std::size_t buffer : {1ul, 7ul, 4096ul, 200000ul}) {
        for (std::size_t piece : {3ul, 65536ul}) {
            auto stream = stream_of(bytes, descriptor_of(bytes), piece);
            CHECK(read_all(stream, buffer) == bytes);
            CHECK(stream.position() == bytes.size());
            CHECK(stream.read(&buffer, 1) == 0);  // stays at its end
        }
    }
}

TEST_CASE("a blob of sha512 and an empty blob are checked too", "[oci]") {
    std::string bytes = "config";
    auto sha512 = stream_of(bytes, descriptor_of(bytes, "sha512"));
    CHECK(read_all(sha512, 2) == bytes);

    auto empty = stream_of("", descriptor_of(""));
    char byte = 0;
    CHECK(empty.read(&byte, 1) == 0);
    CHECK(empty.position() == 0);
}

TEST_CASE("finish drains what is left and checks the digest", "[oci]") {
    std::string bytes = hpc::test::random_bytes(300000, 8);
    auto stream = stream_of(bytes, descriptor_of(bytes), 1000);
    char head[10];
    CHECK(stream.read(head, sizeof head) == 10);
    stream.finish();
    CHECK(stream.position() == bytes.size());

    Descriptor wrong = descriptor_of(bytes);
    wrong.digest = digest_of("something else");
    auto mismatched = stream_of(bytes, wrong);
    CHECK(error_message([&] { mismatched.finish(); }, ExitCode::data) ==
          "img: blob " + hpc::image::oci::short_digest(wrong.digest) + ": digest mismatch (expected " + wrong.digest +
              ", got " + digest_of(bytes) + ")");
}

TEST_CASE("a blob shorter than its descriptor is truncated", "[oci]") {
    std::string bytes = "0123456789";
    Descriptor descriptor = descriptor_of(bytes);
    descriptor.size = 20;
    auto stream = stream_of(bytes, descriptor);
    std::string message = error_message([&] { read_all(stream, 4); }, ExitCode::data);
    CHECK(message == "img: blob " + hpc::image::oci::short_digest(descriptor.digest) + ": truncated: 10 of 20 bytes");
    // A failed stream stays failed.
    char byte = 0;
    CHECK(error_message([&] { stream.read(&byte, 1); }, ExitCode::data) == message);
}

TEST_CASE("a blob longer than its descriptor fails at its first extra byte", "[oci]") {
    std::string bytes = "0123456789";
    Descriptor descriptor = descriptor_of(bytes.substr(0, 6));
    auto stream = stream_of(bytes, descriptor, 4);
    char buffer[4];
    CHECK(stream.read(buffer, 4) == 4);
    CHECK(error_message([&] { stream.read(buffer, 4); }, ExitCode::data) ==
          "img: blob " + hpc::image::oci::short_digest(descriptor.digest) +
              ": larger than the 6 bytes its descriptor gives");
    CHECK(stream.position() == 4);
}

TEST_CASE("a reader's failure is named with the blob", "[oci]") {
    class FailingReader final : public ByteReader {
    public:
        std::size_t read_some(void*, std::size_t) override {
            throw hpc::Error(ExitCode::data, "Truncated tar archive");
        }
    };
    Descriptor descriptor = descriptor_of("x");
    CheckedBlobStream stream(std::make_unique<FailingReader>(), descriptor, "x.tar");
    char byte = 0;
    CHECK(error_message([&] { stream.read(&byte, 1); }, ExitCode::data) ==
          "x.tar: blob " + hpc::image::oci::short_digest(descriptor.digest) + ": Truncated tar archive");
}

TEST_CASE("a descriptor whose digest is malformed opens no stream", "[oci]") {
    Descriptor descriptor{"", "sha256:../../etc/passwd", 1};
    CHECK(error_message([&] { stream_of("x", descriptor); }, ExitCode::data) ==
          "img: blob 'sha256:../../etc/passwd': not a valid digest");
}
