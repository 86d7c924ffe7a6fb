// Tar streams (image/tar/tar_pass.hpp) as OCI layers are read: plain, gzip or zstd, by the
// input's first byte, every member's header and data read to the end.
#include "fuzz_input.hpp"
#include "image/tar/tar_pass.hpp"

#include <archive_entry.h>

#include <algorithm>
#include <cstring>

namespace {

// The input's bytes as a stream, a few at a time as a network's would come.
class MemoryReader final : public hpc::image::tar::ByteReader {
public:
    explicit MemoryReader(std::string_view bytes) : bytes_(bytes) {}
    std::size_t read_some(void* buffer, std::size_t size) override {
        std::size_t count = std::min({size, bytes_.size(), std::size_t{4096}});
        std::memcpy(buffer, bytes_.data(), count);
        bytes_.remove_prefix(count);
        return count;
    }

private:
    std::string_view bytes_;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
    namespace tar = hpc::image::tar;
    if (size == 0) return 0;
    constexpr tar::Compression compressions[] = {tar::Compression::none, tar::Compression::gzip, tar::Compression::zstd};
    MemoryReader source(hpc::fuzz::text_of(data + 1, size - 1));
    hpc::fuzz::refused_or_parsed([&] {
        tar::TarPass pass(source, compressions[data[0] % 3], "fuzz.tar");
        char buffer[16384];
        while (archive_entry* entry = pass.next()) {
            (void)archive_entry_pathname(entry);
            while (pass.read(buffer, sizeof buffer) > 0) {
            }
        }
    });
    return 0;
}
