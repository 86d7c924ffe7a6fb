// FUSE inode numbers for a squashfs, and where each squashfs inode lies.
//
// A FUSE inode is the squashfs inode number plus one, except that the root is FUSE_ROOT_ID
// (1): hard links, which share a squashfs inode number, share a FUSE inode. Squashfs numbers
// are 32-bit, so FUSE inodes from first_synthetic on can never come from the image and belong
// to the server's synthetic entries.
//
// To read an inode the server needs its position (its "ref"), learnt from the directory entry
// that named it. Lookups and listings record it here, so that any worker can find an inode the
// kernel learnt through another. The map is a flat array indexed by inode number, in
// anonymous memory that costs nothing until touched, read and written without locks.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>

namespace hpc::image {

class InodeMap {
public:
    static constexpr uint64_t root_ino = 1;  // FUSE_ROOT_ID
    static constexpr uint64_t first_synthetic = uint64_t(1) << 33;

    // Throws hpc::Error when the table cannot be mapped.
    InodeMap(uint32_t inode_count, uint32_t root_number, uint64_t root_ref);
    ~InodeMap();
    InodeMap(const InodeMap&) = delete;
    InodeMap& operator=(const InodeMap&) = delete;

    static bool is_synthetic(uint64_t ino) { return ino >= first_synthetic; }
    uint64_t ino(uint32_t number) const { return number == root_number_ ? root_ino : uint64_t(number) + 1; }
    // The squashfs inode number behind a FUSE inode; nullopt for any the image cannot have.
    std::optional<uint32_t> number(uint64_t ino) const;
    bool valid_number(uint32_t number) const { return number >= 1 && number <= inode_count_; }

    // Records where inode `number` lies; false if the number is out of range (a corrupt image).
    bool remember(uint32_t number, uint64_t ref);
    std::optional<uint64_t> ref(uint32_t number) const;

private:
    uint32_t inode_count_;
    uint32_t root_number_;
    uint64_t* refs_ = nullptr;  // [number] = ref + 1; 0 = not known yet
    std::size_t mapped_bytes_ = 0;
};

}  // namespace hpc::image
