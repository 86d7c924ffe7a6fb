#include "image/tree/image_file.hpp"

#include "common/error.hpp"
#include "common/exact_path.hpp"
#include "image/squashfs/squashfs_superblock.hpp"
#include "image/squashfs/squashfs_volume.hpp"
#include "image/tree/ext_superblock.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace hpc::image {
namespace {

constexpr char squashfs_magic[] = "hsqs";

bool starts_with_bytes(const ByteSource& source, uint64_t offset, std::string_view expected) {
    if (source.size() < offset + expected.size()) return false;
    std::string bytes(expected.size(), '\0');
    source.read_exact(offset, bytes.data(), bytes.size());
    return bytes == expected;
}

// The fd outlives open() (the squashfs server reads through it), so it should block like any
// other once the file is known to be one that O_NONBLOCK was only a guard for.
void clear_nonblocking(int fd) {
    int flags = ::fcntl(fd, F_GETFL);
    if (flags < 0 || ::fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) != 0)
        throw_errno("make the image's descriptor blocking (fcntl)");
}

}  // namespace

std::string_view format_name(ImageFormat format) {
    switch (format) {
    case ImageFormat::sif:
        return "sif";
    case ImageFormat::squashfs:
        return "squashfs";
    case ImageFormat::directory:
        return "dir";
    case ImageFormat::ext3:
        return "ext3";
    }
    return "unknown";
}

ImageFile ImageFile::open_file(const std::string& path) {
    ImageFile image;
    image.path_ = path;
    // O_NONBLOCK: opening a FIFO with no writer would otherwise hang here before the
    // type check below can refuse it (open(2), fifo(7)); O_NOCTTY: a terminal given as
    // the image must not become our controlling terminal.
    image.fd_.reset(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY));
    if (!image.fd_) throw_errno("open");
    struct stat status {};
    if (::fstat(image.fd_.get(), &status) != 0) throw_errno("stat");
    if (!S_ISDIR(status.st_mode) && !S_ISREG(status.st_mode))
        throw Error(ExitCode::data, "not a regular file or a directory");
    clear_nonblocking(image.fd_.get());
    // The path of what was opened, not a second resolution of `path` by name: the site's
    // policy judges this path, and a link swapped in between must not make it another file's.
    image.resolved_path_ = descriptor_path(image.fd_.get(), "resolve");
    char identity[96];
    std::snprintf(identity, sizeof identity, "%llx:%llx:%llx:%llx.%lx",
                  static_cast<unsigned long long>(status.st_dev), static_cast<unsigned long long>(status.st_ino),
                  static_cast<unsigned long long>(status.st_size),
                  static_cast<unsigned long long>(status.st_mtim.tv_sec), static_cast<long>(status.st_mtim.tv_nsec));
    image.identity_ = identity;
    image.owner_ = status.st_uid;
    image.device_ = status.st_dev;
    image.inode_ = status.st_ino;
    image.format_ = S_ISDIR(status.st_mode) ? ImageFormat::directory : ImageFormat::squashfs;
    if (S_ISDIR(status.st_mode)) return image;
    image.file_size_ = static_cast<uint64_t>(status.st_size);
    // Headers and the image's own metadata are read here in a few small pieces: the
    // kernel's readahead would cache megabytes of data blocks around them for nothing.
    (void)::posix_fadvise(image.fd_.get(), 0, 0, POSIX_FADV_RANDOM);
    return image;
}

void ImageFile::check_file_system(const ByteSource& source, FileSystemType type) {
    file_system_ = type;
    if (type == FileSystemType::ext3) {
        check_ext_superblock(source, extent_.offset, extent_.size);
        return;
    }
    check_squashfs_superblock(source, extent_);
    // What a corrupt image would otherwise fail on only once mounted, as a bare EIO.
    SquashfsVolume(fd_.get(), extent_.offset).check_tables();
}

ImageFile ImageFile::open(const std::string& path, std::string_view host_arch) {
    try {
        ImageFile image = open_file(path);
        if (image.format_ == ImageFormat::directory) return image;
        FdByteSource source(image.fd_.get(), image.file_size_);
        if (has_sif_magic(source)) {
            image.format_ = ImageFormat::sif;
            image.sif_ = read_sif(source);
            const SifDescriptor& root = select_root_partition(*image.sif_, host_arch);
            image.extent_ = {root.offset, root.size};
        } else if (starts_with_bytes(source, 0, squashfs_magic)) {
            image.extent_ = {0, image.file_size_};
        } else {
            throw Error(ExitCode::data, "not a container image (neither SIF, squashfs nor a directory)");
        }
        image.check_file_system(source, FileSystemType::squashfs);
        return image;
    } catch (const Error& error) {
        throw error.within(path);
    }
}

ImageFile ImageFile::open_file_system(const std::string& path, FileSystemChoice choice) {
    try {
        ImageFile image = open_file(path);
        if (image.format_ == ImageFormat::directory) throw Error(ExitCode::data, "a directory, not an image file");
        FdByteSource source(image.fd_.get(), image.file_size_);
        image.extent_ = {0, image.file_size_};
        FileSystemType type = FileSystemType::squashfs;
        if (has_sif_magic(source)) {
            image.format_ = ImageFormat::sif;
            image.sif_ = read_sif(source);
            const SifDescriptor* overlay = choice.overlay_partition && !choice.sif_id ? find_overlay_partition(*image.sif_)
                                                                                     : nullptr;
            const SifDescriptor& partition = overlay ? *overlay : select_data_partition(*image.sif_, choice.sif_id);
            image.extent_ = {partition.offset, partition.size};
            if (partition.fs_type == SifFsType::ext3) type = FileSystemType::ext3;
        } else if (choice.sif_id) {
            throw Error(ExitCode::usage, "id=" + std::to_string(*choice.sif_id) + " picks a SIF partition, and this is no SIF");
        } else if (has_ext_magic(source, 0) && !starts_with_bytes(source, 0, squashfs_magic)) {
            image.format_ = ImageFormat::ext3;
            type = FileSystemType::ext3;
        } else if (!starts_with_bytes(source, 0, squashfs_magic)) {
            throw Error(ExitCode::data, "not a squashfs, ext3 or SIF image");
        }
        image.check_file_system(source, type);
        return image;
    } catch (const Error& error) {
        throw error.within(path);
    }
}

}  // namespace hpc::image
