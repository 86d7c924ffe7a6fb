// Opening an image: the file (or directory) is opened once, its format found from its
// content (never from its name), validated, and kept open so that later steps read the
// same bytes the checks saw.
#pragma once

#include "common/unique_fd.hpp"
#include "image/sif/sif.hpp"
#include "image/squashfs/squashfs_superblock.hpp"

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace hpc::image {

enum class ImageFormat { sif, squashfs, directory, ext3 };

// "sif", "squashfs", "dir", "ext3": the names used in messages, --json and the site config.
std::string_view format_name(ImageFormat format);

// The file systems an image file may hold beside a root: squashfs, or ext2/3/4 (fuse2fs's).
enum class FileSystemType { squashfs, ext3 };

// Which of an image file's file systems a launch uses beside its root (an --overlay, an image
// bind's source): in a SIF, the partition `sif_id` when given (id=N), else its ext3 overlay
// partition when `overlay_partition` and it has one, else its primary system partition.
struct FileSystemChoice {
    std::optional<uint32_t> sif_id;
    bool overlay_partition = false;
};

class ImageFile {
public:
    // Opens and validates `path`. For a SIF, picks the primary system partition and checks
    // it is a squashfs for `host_arch` (a SIF arch code such as "02"). Throws hpc::Error
    // naming the path and the cause: missing (no_input), unreadable (denied), not an image
    // or corrupt (data), a partition kind hpc cannot run (data). A squashfs's superblock and
    // tables are checked here (squashfs_superblock.hpp, SquashfsVolume::check_tables), so that
    // a corrupt one is not first found by the mounted image's server, as a bare EIO.
    static ImageFile open(const std::string& path, std::string_view host_arch = host_sif_arch());

    // Opens and validates an image file whose file system is used beside the root: a squashfs,
    // an ext2/3/4 image (format ext3) or the partition of a SIF `choice` names. A squashfs is
    // checked as open() checks it; an ext one's superblock (ext_superblock.hpp). A directory is
    // refused. Throws hpc::Error as open() does.
    static ImageFile open_file_system(const std::string& path, FileSystemChoice choice);

    ImageFormat format() const { return format_; }
    const std::string& path() const { return path_; }                    // as the user gave it
    const std::string& resolved_path() const { return resolved_path_; }  // absolute, links resolved
    int fd() const { return fd_.get(); }  // the file; for a directory, an O_DIRECTORY fd
    uint64_t file_size() const { return file_size_; }
    // Which file this is, as opened: device, inode, size and modification time, so that
    // launches of the same image recognize each other (sandbox/run/node_share.hpp).
    const std::string& identity() const { return identity_; }
    uid_t owner() const { return owner_; }  // of the file or directory, as opened
    dev_t device() const { return device_; }  // of the file or directory, as opened
    ino_t inode() const { return inode_; }

    // Where the root file system lies. Only for sif and squashfs.
    const SquashfsExtent& squashfs() const { return extent_; }
    // What the file system chosen (open's root, open_file_system's choice) is, and where it lies.
    // Not for a directory.
    FileSystemType file_system() const { return file_system_; }
    const SquashfsExtent& extent() const { return extent_; }

    // The parsed container, for a SIF (inspect reads its Def.FILE and other objects).
    const std::optional<SifFile>& sif() const { return sif_; }

private:
    // The file at `path`, opened and checked to be a regular file or a directory, its identity
    // taken; nothing read yet.
    static ImageFile open_file(const std::string& path);
    // Checks the file system at `extent_`, of `type`, and records the type.
    void check_file_system(const ByteSource& source, FileSystemType type);

    ImageFormat format_ = ImageFormat::directory;
    std::string path_;
    std::string resolved_path_;
    std::string identity_;
    uid_t owner_ = 0;
    dev_t device_ = 0;
    ino_t inode_ = 0;
    UniqueFd fd_;
    uint64_t file_size_ = 0;
    FileSystemType file_system_ = FileSystemType::squashfs;
    SquashfsExtent extent_;
    std::optional<SifFile> sif_;
};

}  // namespace hpc::image
