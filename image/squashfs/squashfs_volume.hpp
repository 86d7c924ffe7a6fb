// One libsquashfuse handle on a squashfs that lies at an offset of an open file: inodes,
// directories, symlinks, attributes, xattrs, and where a file's bytes lie (which blocks, and
// where in them). Both readers of squashfs (the unmounted tree and the FUSE server) go through
// it, so the checks that keep a hostile image from crashing libsquashfuse live in one place.
//
// A volume is not thread-safe: libsquashfuse mutates its metadata caches on every read. The
// server gives each worker thread its own volume on the same fd (pread does not move a file
// offset). libsquashfuse's headers are included only by squashfs_volume.cpp and
// squashfs_table_check.cpp: they must never meet libsquashfs's (clashing include guards), and
// they define FUSE_USE_VERSION.
#pragma once

#include "image/squashfs/block_cache.hpp"

#include <sys/stat.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace hpc::image {

// A decoded squashfs inode, held by value: it records positions in the image, never pointers
// into a cache, so it may be copied and shared between threads and volumes of one image.
class Inode {
public:
    uint64_t ref() const { return ref_; }        // where it lies in the inode table
    uint32_t number() const { return number_; }  // 1 .. inode_count()
    uint32_t mode() const { return mode_; }      // file type and permission bits, as st_mode
    uint64_t size() const { return size_; }      // file bytes, symlink target bytes, listing bytes
    uint32_t parent_number() const { return parent_; }  // a directory's parent (out of range for the root)
    bool is_directory() const { return S_ISDIR(mode_); }
    bool is_regular() const { return S_ISREG(mode_); }
    bool is_symlink() const { return S_ISLNK(mode_); }

private:
    friend class SquashfsVolume;
    uint64_t ref_ = 0;
    uint32_t number_ = 0;
    uint32_t mode_ = 0;
    uint64_t size_ = 0;
    uint32_t parent_ = 0;
    alignas(8) unsigned char raw_[80] = {};  // libsquashfuse's struct sqfs_inode
};

// One name in a directory listing. `name` points into the volume and is valid until its next call.
struct DirEntry {
    std::string_view name;
    uint64_t ref = 0;      // the entry's inode, for SquashfsVolume::inode
    uint32_t number = 0;   // the entry's inode number (unchecked: as the listing says)
    uint32_t type = 0;     // S_IFDIR, S_IFREG, ...
};

// Where some bytes of a regular file lie: `length` bytes at `offset` of the decompressed block
// that is stored at `position` (bytes from the start of the squashfs) with size word `header`.
struct BlockLocation {
    enum class Kind { data, sparse, fragment };
    Kind kind = Kind::data;
    uint64_t position = 0;
    uint32_t header = 0;
    uint32_t offset = 0;
    uint32_t length = 0;
};

class SquashfsVolume {
public:
    // Reads and checks the superblock and the root inode. Throws hpc::Error(data): not a
    // squashfs, unsupported version or compression (named), corrupt tables or root directory.
    SquashfsVolume(int fd, uint64_t offset);
    ~SquashfsVolume();
    SquashfsVolume(const SquashfsVolume&) = delete;
    SquashfsVolume& operator=(const SquashfsVolume&) = delete;

    // What an image is checked for once, when it is opened (ImageFile::open), and not by every
    // volume a server makes: the table blocks of squashfs_table_check.hpp, and the root's owner
    // and the start of its listing, which the mount is first asked for. Throws hpc::Error(data)
    // naming the table.
    void check_tables();

    uint32_t block_size() const;
    uint32_t inode_count() const;
    uint32_t fragment_count() const;
    uint64_t bytes_used() const;
    uint64_t offset() const;  // where the squashfs starts in the file
    uint32_t mkfs_time() const;
    bool has_xattrs() const;  // whether the image stores any extended attributes at all
    const Inode& root() const;

    // Every call below throws hpc::Error(data) naming what is corrupt ("corrupt directory
    // listing"); callers add which path they were reading.
    Inode inode(uint64_t ref);
    std::optional<DirEntry> lookup(const Inode& directory, std::string_view name);
    // The inode an absolute path names, symlinks followed inside the image's root (the last
    // one too unless `follow_last` is false); nullopt if nothing is there.
    std::optional<Inode> find(const std::string& path, bool follow_last = true);
    // Visits entries in order starting at `from` (0, or a `next` an earlier visit was given)
    // until `visit` returns false.
    void list(const Inode& directory, uint64_t from,
              const std::function<bool(const DirEntry& entry, uint64_t next)>& visit);
    std::string read_link(const Inode& symlink);
    struct stat attributes(const Inode& inode);  // st_ino is the squashfs inode number
    std::optional<uint64_t> export_ref(uint32_t number);  // from the export table, if any

    // The blocks holding [offset, offset + size) of a regular file (clipped to its end), in order.
    void locate(const Inode& file, uint64_t offset, uint64_t size, std::vector<BlockLocation>& out);
    // Reads and decompresses a data or fragment block, checking its size against the image.
    // Its stored bytes then leave the page cache: only what they decode to is kept.
    Block read_block(uint64_t position, uint32_t header);
    // Asks the kernel to read the stored bytes of a file's data `blocks` (locate's) now, in one
    // request of exactly their extent: what is about to be decoded, and nothing past it, which
    // the kernel's own readahead would add.
    void announce(const std::vector<BlockLocation>& blocks);
    // Reads bytes of a regular file without any shared cache (only the last block it decoded is
    // kept); returns how many were read.
    std::size_t read(const Inode& file, uint64_t offset, std::span<char> out);

    std::string list_xattrs(const Inode& inode);  // names, each followed by '\0'
    std::optional<std::string> xattr(const Inode& inode, std::string_view name);

private:
    struct State;
    // Inode keeps libsquashfuse's decoded inode as bytes; these copy it out and back in.
    static void load(const Inode& from, void* raw);
    static void store(Inode& to, const void* raw);
    std::unique_ptr<State> state_;
};

}  // namespace hpc::image
