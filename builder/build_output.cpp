#include "builder/build_output.hpp"

#include "builder/host_command.hpp"
#include "builder/work_area.hpp"
#include "common/error.hpp"
#include "common/unique_fd.hpp"
#include "image/sif/sif_writer.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace hpc::builder {
namespace {

void refuse_existing(const std::string& destination, bool replace) {
    struct stat status {};
    if (!replace && ::lstat(destination.c_str(), &status) == 0)
        throw Error(ExitCode::cant_create, destination + ": already exists (--force replaces it)");
}

// A temporary name beside the destination (same file system, so rename(2) is atomic), removed
// unless it was renamed into place.
class Beside {
public:
    Beside(const std::string& destination, bool directory) {
        std::string pattern = destination + ".hpc-tmp.XXXXXX";
        if (directory) {
            if (!::mkdtemp(pattern.data())) throw_errno("create a directory beside " + destination);
        } else {
            fd_.reset(::mkostemp(pattern.data(), O_CLOEXEC));
            if (!fd_) throw_errno("create a file beside " + destination);
        }
        path_ = pattern;
    }
    ~Beside() {
        if (path_.empty()) return;
        fd_.reset();
        remove_tree(path_);
    }
    Beside(const Beside&) = delete;
    Beside& operator=(const Beside&) = delete;

    const std::string& path() const { return path_; }
    int fd() const { return fd_.get(); }
    void commit(const std::string& destination, bool replace) {
        refuse_existing(destination, replace);
        struct stat status {};
        // rename(2) replaces a file, but not a directory that holds anything.
        if (replace && ::lstat(destination.c_str(), &status) == 0 && S_ISDIR(status.st_mode)) remove_tree(destination);
        if (::rename(path_.c_str(), destination.c_str()) != 0) throw_errno("put the result at " + destination);
        path_.clear();
    }

private:
    std::string path_;
    UniqueFd fd_;
};

std::string superblock_of(int fd, uint64_t offset) {
    std::string bytes(96, '\0');
    if (::pread(fd, bytes.data(), bytes.size(), static_cast<off_t>(offset)) != static_cast<ssize_t>(bytes.size()))
        throw_errno("read back the squashfs superblock");
    return bytes;
}

}  // namespace

std::string normalized_destination(const std::string& destination) {
    std::size_t end = destination.find_last_not_of('/');
    if (end == std::string::npos) return destination.empty() ? destination : "/";
    return destination.substr(0, end + 1);
}

void check_destination(const std::string& destination, bool replace) {
    if (destination.empty()) throw Error(ExitCode::usage, "the build's DEST is an empty path");
    // What the temporary output and the rename need: the directory DEST names an entry of.
    std::size_t slash = destination.find_last_of('/');
    std::string parent = slash == std::string::npos ? "." : slash == 0 ? "/" : destination.substr(0, slash);
    auto refuse = [&destination](const std::string& cause) {
        throw Error(ExitCode::cant_create, destination + ": cannot be created: " + cause);
    };
    struct stat status {};
    if (::stat(parent.c_str(), &status) != 0) {
        int error = errno;
        if (error == ENOENT) refuse(parent + " does not exist");
        if (error == ENOTDIR) refuse(parent + " is not a directory");
        refuse(parent + ": " + std::strerror(error));
    }
    if (!S_ISDIR(status.st_mode)) refuse(parent + " is not a directory");
    // The user's own rights (hpc has no others), and EROFS for a read-only file system.
    if (::access(parent.c_str(), W_OK | X_OK) != 0) refuse(parent + " is not writable (" + std::strerror(errno) + ")");
    refuse_existing(destination, replace);
}

std::string describe_built(const std::string& destination, bool sandbox) {
    if (sandbox) return "built " + destination + " (sandbox directory)";
    return "built " + describe_sif(destination);
}

std::string describe_sif(const std::string& path) {
    struct stat status {};
    if (::stat(path.c_str(), &status) != 0) return path + " (SIF)";
    char size[32];
    std::snprintf(size, sizeof size, "%.1f MiB", static_cast<double>(status.st_size) / (1024.0 * 1024.0));
    return path + " (SIF, " + size + ")";
}

void pack_sif(const std::string& tree, const std::string& destination, const PackOptions& options) {
    pack_sif([&tree](int fd, uint64_t offset, const image::SquashfsWriteOptions& squashfs) {
        return ProducedSquashfs{image::write_squashfs(tree, fd, offset, squashfs), {}};
    }, destination, options);
}

void write_sif(const SquashfsProducer& produce, int fd, const PackOptions& options) {
    image::SifWriter sif(fd, image::SifWriteOptions{options.source_date_epoch});
    if (!options.definition_text.empty()) sif.add_object(image::SifDataType::deffile, options.definition_text);
    uint64_t offset = sif.begin_partition();
    image::SquashfsWriteOptions squashfs;
    squashfs.compression = options.compression;
    squashfs.source_date_epoch = options.source_date_epoch;
    squashfs.progress = options.progress;
    squashfs.all_root = !options.keep_owners;
    ProducedSquashfs produced = produce(fd, offset, squashfs);
    sif.end_partition(produced.written.size, image::SifFsType::squashfs, image::SifPartType::primary_system,
                      produced.sif_arch.empty() ? image::host_sif_arch() : produced.sif_arch);
    sif.finish(superblock_of(fd, offset) + options.definition_text);
}

void pack_sif(const SquashfsProducer& produce, const std::string& destination, const PackOptions& options) {
    refuse_existing(destination, options.replace);
    Beside output(destination, false);
    write_sif(produce, output.fd(), options);
    if (::fsync(output.fd()) != 0) throw_errno("write " + destination);
    if (::fchmod(output.fd(), 0755) != 0) throw_errno("chmod " + output.path());  // runnable, as Apptainer's SIFs
    output.commit(destination, options.replace);
}

void copy_into_place(const std::string& source, const std::string& destination, bool replace) {
    refuse_existing(destination, replace);
    // Opened as a file, not checked as an image to run: it may be another machine's (--arch).
    UniqueFd input(::open(source.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
    if (!input) throw_errno("open " + source);
    struct stat status {};
    if (::fstat(input.get(), &status) != 0) throw_errno("stat " + source);
    if (!S_ISREG(status.st_mode)) throw Error(ExitCode::data, source + ": not a regular file");
    Beside output(destination, false);
    // copy_file_range: the kernel copies (or, where the file system can, shares the extents).
    for (loff_t offset = 0; offset < status.st_size;) {
        ssize_t copied = ::copy_file_range(input.get(), &offset, output.fd(), nullptr,
                                           static_cast<std::size_t>(status.st_size - offset), 0);
        if (copied < 0) throw_errno("write " + destination);
        if (copied == 0) throw Error(ExitCode::data, source + " ended early while copied to " + destination);
    }
    if (::fsync(output.fd()) != 0) throw_errno("write " + destination);
    if (::fchmod(output.fd(), 0755) != 0) throw_errno("chmod " + output.path());
    output.commit(destination, replace);
}

void pack_directory(const std::string& tree, const std::string& destination, const PackOptions& options) {
    refuse_existing(destination, options.replace);
    Beside output(destination, true);
    // cp -a keeps modes, links, times and, for the ids this namespace maps, owners.
    if (run_host_command({"cp", "-a", tree + "/.", output.path()}, environment_with({})) != 0)
        throw Error(ExitCode::cant_create, "copying the tree to " + destination + " failed (cp said why)");
    if (::chmod(output.path().c_str(), 0755) != 0) throw_errno("chmod " + output.path());
    output.commit(destination, options.replace);
}

}  // namespace hpc::builder
