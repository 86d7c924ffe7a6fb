// A squashfs (image/squashfs/) on any bytes, walked as hpc's server serves it without mounting
// anything: the tables checked, then every directory listed and every entry's inode, attributes,
// link target and extended attributes read, and every file read through the block cache and
// the cached reader the FUSE server uses. The image lives in memory (a memfd).
#include "fuzz_input.hpp"
#include "image/squashfs/block_cache.hpp"
#include "image/squashfs/cached_file_reader.hpp"
#include "image/squashfs/squashfs_volume.hpp"

#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <set>
#include <vector>

namespace {

namespace image = hpc::image;

// A listing of thousands of entries, or a file of gigabytes, is read only in part: the walk is
// bounded, as a fuzzer's runs must be short.
constexpr std::size_t max_entries = 4096;
constexpr uint64_t max_file_bytes = 1 << 20;

void read_file(image::SquashfsVolume& volume, image::CachedFileReader& reader, const image::Inode& file) {
    std::vector<char> buffer(64 * 1024);
    uint64_t end = std::min<uint64_t>(file.size(), max_file_bytes);
    for (uint64_t offset = 0; offset < end;) {
        std::size_t got = reader.read_into(volume, file, offset, buffer.size(), buffer.data());
        if (got == 0) break;
        offset += got;
    }
}

void walk(image::SquashfsVolume& volume, image::CachedFileReader& reader) {
    std::vector<image::Inode> directories{volume.root()};
    std::set<uint32_t> seen{volume.root().number()};
    std::size_t entries = 0;
    while (!directories.empty() && entries < max_entries) {
        image::Inode directory = directories.back();
        directories.pop_back();
        std::vector<image::DirEntry> listed;
        std::vector<std::string> names;  // DirEntry's name lives only as long as the visit
        volume.list(directory, 0, [&](const image::DirEntry& entry, uint64_t) {
            names.emplace_back(entry.name);
            listed.push_back(entry);
            return ++entries < max_entries;
        });
        for (std::size_t index = 0; index < listed.size(); ++index) {
            hpc::fuzz::refused_or_parsed([&] {
                (void)volume.lookup(directory, names[index]);
                image::Inode inode = volume.inode(listed[index].ref);
                (void)volume.attributes(inode);
                (void)volume.list_xattrs(inode);
                if (inode.is_directory() && seen.insert(inode.number()).second) directories.push_back(inode);
                if (inode.is_symlink()) (void)volume.read_link(inode);
                if (inode.is_regular()) read_file(volume, reader, inode);
            });
        }
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
    int fd = ::memfd_create("squashfs", MFD_CLOEXEC);
    if (fd < 0 || ::write(fd, data, size) != static_cast<ssize_t>(size)) {
        if (fd >= 0) ::close(fd);
        return 0;
    }
    hpc::fuzz::refused_or_parsed([&] {
        image::SquashfsVolume volume(fd, 0);
        volume.check_tables();
        image::BlockCache cache(8 << 20);
        image::CachedFileReader reader(cache, 0, volume.block_size(), image::BlockRetention::until_served);
        hpc::fuzz::refused_or_parsed([&] { (void)volume.find("/etc/passwd"); });
        walk(volume, reader);
    });
    ::close(fd);
    return 0;
}
