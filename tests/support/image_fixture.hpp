// A source tree made at test time and the squashfs mksquashfs makes of it, shared by the
// image reading, block-path and FUSE tests so that they all check the same cases: a
// multi-block random file, an empty file, a sparse file, a hard link, relative, absolute,
// chained, dangling, looping and escaping symlinks, a fifo, a directory of 300 entries and
// one of 2500 with long names (its listing is indexed).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace hpc::test {

// A directory removed with everything in it when the object goes.
class TempDir {
public:
    explicit TempDir(const std::string& prefix = "hpc-test");
    ~TempDir();
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    const std::string& path() const { return path_; }

private:
    std::string path_;
};

constexpr uint32_t fixture_block_size = 131072;
constexpr int huge_directory_entries = 2500;  // in /huge: "an-entry-with-a-rather-long-name-0000" ...

struct ImageFixture {
    TempDir root;
    std::string source;  // the tree
    std::string image;   // mksquashfs of it, block size fixture_block_size
    std::string sif;     // a SIF (siftool) holding a definition file, then that squashfs as its
                         // primary partition at a non-zero offset; empty if siftool is missing
    bool has_xattr = false;  // user.hpc-test=value was set on /small.txt

    // Regular files (paths inside the image), each with the blocks a reader must decompress.
    std::vector<std::string> regular_files;
    uint64_t expected_data_blocks = 0;  // non-sparse full-size or tail blocks, hard links once

    // Built once per test process; mksquashfs must be on PATH.
    static const ImageFixture& get();

private:
    ImageFixture();
};

std::string random_bytes(std::size_t size, uint32_t seed);
std::string read_host_file(const std::string& path);
void write_host_file(const std::string& path, const std::string& content, unsigned mode = 0644);
// Runs argv (PATH searched), returns its exit status (-1 if it could not start or was killed).
int run_command(const std::vector<std::string>& argv);
// The `fragments` count from a squashfs superblock: how many fragment blocks the image holds.
uint32_t superblock_fragments(const std::string& image);

}  // namespace hpc::test
