#include "image/tree/image_file.hpp"

#include "common/error.hpp"
#include "common/exact_path.hpp"
#include "image/squashfs/squashfs_superblock.hpp"
#include "image/squashfs/squashfs_volume.hpp"

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

bool is_sif(const ByteSource& source) { return starts_with_bytes(source, 32, std::string_view("SIF_MAGIC\0", 10)); }

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
    }
    return "unknown";
}

ImageFile ImageFile::open(const std::string& path, std::string_view host_arch) {
    ImageFile image;
    image.path_ = path;
    try {
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
        if (S_ISDIR(status.st_mode)) {
            image.format_ = ImageFormat::directory;
            return image;
        }
        image.file_size_ = static_cast<uint64_t>(status.st_size);
        // Headers and the image's own metadata are read here in a few small pieces: the
        // kernel's readahead would cache megabytes of data blocks around them for nothing.
        (void)::posix_fadvise(image.fd_.get(), 0, 0, POSIX_FADV_RANDOM);
        FdByteSource source(image.fd_.get(), image.file_size_);
        if (is_sif(source)) {
            image.format_ = ImageFormat::sif;
            image.sif_ = read_sif(source);
            const SifDescriptor& root = select_root_partition(*image.sif_, host_arch);
            image.squashfs_ = {root.offset, root.size};
            check_squashfs_superblock(source, image.squashfs_);
        } else if (starts_with_bytes(source, 0, squashfs_magic)) {
            image.format_ = ImageFormat::squashfs;
            image.squashfs_ = {0, image.file_size_};
            check_squashfs_superblock(source, image.squashfs_);
        } else {
            throw Error(ExitCode::data, "not a container image (neither SIF, squashfs nor a directory)");
        }
        // What a corrupt image would otherwise fail on only once mounted, as a bare EIO.
        SquashfsVolume(image.fd_.get(), image.squashfs_.offset).check_tables();
        return image;
    } catch (const Error& error) {
        throw error.within(path);
    }
}

}  // namespace hpc::image
