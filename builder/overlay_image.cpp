#include "builder/overlay_image.hpp"

#include "builder/mke2fs.hpp"
#include "builder/work_area.hpp"
#include "common/byte_source.hpp"
#include "common/error.hpp"
#include "common/printable.hpp"
#include "common/unique_fd.hpp"
#include "common/write_file.hpp"
#include "image/sif/sif.hpp"
#include "image/sif/sif_overlay.hpp"
#include "sandbox/run/supervisor.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>

namespace hpc::builder {
namespace {

constexpr std::size_t max_directory_length = 4096;  // PATH_MAX
constexpr std::size_t max_name_length = 255;        // NAME_MAX

void stop_if_interrupted() {
    if (sandbox::pending_stop_signal() != 0) throw Error(ExitCode::interrupted, "overlay create was interrupted");
}

[[noreturn]] void refuse_directory(std::string_view directory, const std::string& cause) {
    throw Error(ExitCode::usage, "--create-dir " + quoted_printable(directory) + ": " + cause);
}

std::string parent_of(const std::string& path) {
    std::size_t slash = path.find_last_of('/');
    return slash == std::string::npos ? "." : slash == 0 ? "/" : path.substr(0, slash);
}

// The ext3 being made: a new file beside FILE (so that the rename stays on one file system),
// removed when it goes unless it was renamed into place.
class TemporaryImage {
public:
    explicit TemporaryImage(const std::string& final_path) : final_path_(final_path) {
        path_ = parent_of(final_path) + "/.hpc-overlay.XXXXXX";
        int fd = ::mkostemp(path_.data(), O_CLOEXEC);  // 0600, O_EXCL: this process's alone
        if (fd < 0) {
            int error = errno;
            path_.clear();
            throw Error(ExitCode::cant_create,
                        final_path + ": cannot be created: " + std::strerror(error) + " (a temporary file beside it)",
                        error);
        }
        fd_.reset(fd);
    }
    ~TemporaryImage() {
        if (!path_.empty()) ::unlink(path_.c_str());
    }
    TemporaryImage(const TemporaryImage&) = delete;
    TemporaryImage& operator=(const TemporaryImage&) = delete;

    int fd() const { return fd_.get(); }
    const std::string& path() const { return path_; }

    // Renames it to FILE only if no FILE has appeared since (RENAME_NOREPLACE; link(2), which
    // refuses an existing name too, where the file system has no such rename).
    void rename_into_place() {
        if (::fsync(fd_.get()) != 0) throw_errno("sync " + path_);
        if (::renameat2(AT_FDCWD, path_.c_str(), AT_FDCWD, final_path_.c_str(), RENAME_NOREPLACE) == 0) {
            path_.clear();
            return;
        }
        int error = errno;
        if (error == EINVAL || error == ENOSYS) {
            if (::link(path_.c_str(), final_path_.c_str()) == 0) return;  // the temporary name goes with this
            error = errno;
        }
        if (error == EEXIST)
            throw Error(ExitCode::cant_create, final_path_ + ": already exists (made while the overlay was made)",
                        error);
        throw Error(ExitCode::cant_create, final_path_ + ": cannot be created: " + std::strerror(error), error);
    }

private:
    std::string final_path_;
    std::string path_;
    UniqueFd fd_;
};

// The tree mke2fs copies into the ext3: a private directory (mkdtemp, 0700) removed when it goes.
class LayoutDirectory {
public:
    explicit LayoutDirectory(const std::string& parent) {
        std::string root = parent;
        if (root.empty()) {
            const char* tmpdir = std::getenv("TMPDIR");
            root = tmpdir && tmpdir[0] == '/' ? tmpdir : "/tmp";
        }
        path_ = root + "/hpc-overlay.XXXXXX";
        if (!::mkdtemp(path_.data())) {
            int error = errno;
            path_.clear();
            throw Error(ExitCode::cant_create,
                        "cannot make the overlay's layout in " + root + ": " + std::strerror(error), error);
        }
    }
    ~LayoutDirectory() {
        if (!path_.empty()) remove_tree(path_);
    }
    LayoutDirectory(const LayoutDirectory&) = delete;
    LayoutDirectory& operator=(const LayoutDirectory&) = delete;

    const std::string& path() const { return path_; }

    // Makes `relative` (overlay_directory_path's form) and the directories above it, each with
    // exactly `mode` (the umask left out, as Apptainer clears it); those there already stay.
    void make(const std::string& relative, mode_t mode) const {
        std::string path = path_;
        std::size_t start = 0;
        while (start < relative.size()) {
            std::size_t slash = relative.find('/', start);
            std::size_t end = slash == std::string::npos ? relative.size() : slash;
            path += "/" + relative.substr(start, end - start);
            start = end + 1;
            if (::mkdir(path.c_str(), mode) != 0) {
                if (errno == EEXIST) continue;
                throw_errno("make " + path + " in the overlay's layout");
            }
            if (::chmod(path.c_str(), mode) != 0) throw_errno("set the mode of " + path + " in the overlay's layout");
        }
    }

private:
    std::string path_;
};

struct Ext3Job {
    const OverlayRequest& request;
    std::string mke2fs;
    std::vector<std::string> directories;  // overlay_directory_path's forms
};

uint64_t size_in_bytes(const OverlayRequest& request) { return request.size_mib << 20; }

// The blocks reserved now, so that writes to the overlay cannot fail for space later; zeros
// written where the file system cannot reserve them (posix_fallocate's EOPNOTSUPP).
void allocate(const TemporaryImage& image, uint64_t bytes, const std::string& final_path) {
    int result = ::posix_fallocate(image.fd(), 0, static_cast<off_t>(bytes));
    if (result == 0) return;
    if (result != EOPNOTSUPP && result != ENOSYS && result != EINVAL)
        throw Error(ExitCode::cant_create,
                    final_path + ": cannot be created: " + std::strerror(result) + " (allocating " +
                        std::to_string(bytes >> 20) + " MiB)",
                    result);
    const std::string zeros(1 << 20, '\0');
    for (uint64_t written = 0; written < bytes; written += zeros.size()) {
        stop_if_interrupted();
        write_all(image.fd(), zeros, image.path());
    }
}

// The ext3 with the layout, in `image`: its blocks allocated ahead, or a sparse file.
std::string make_file_system(const Ext3Job& job, const TemporaryImage& image, bool allocated) {
    const uint64_t bytes = size_in_bytes(job.request);
    if (allocated)
        allocate(image, bytes, job.request.path);
    else if (::ftruncate(image.fd(), static_cast<off_t>(bytes)) != 0)
        throw_errno("size " + image.path());
    stop_if_interrupted();
    LayoutDirectory layout(job.request.temporary_parent);
    // Apptainer's modes: 0777 where the ids do not fit in 16 bits (ext3's old inode fields).
    const mode_t mode = ::getuid() > 65535 || ::getgid() > 65535 ? 0777 : 0755;
    layout.make("upper", mode);
    layout.make("work", mode);
    for (const std::string& directory : job.directories)
        if (!directory.empty()) layout.make("upper/" + directory, mode);
    try {
        std::string said = run_mke2fs({job.mke2fs, layout.path(), image.path(), job.request.fakeroot, allocated});
        stop_if_interrupted();
        return said;
    } catch (const Error& error) {
        throw error.within(job.request.path);
    }
}

OverlayResult create_image_file(const Ext3Job& job) {
    TemporaryImage image(job.request.path);
    OverlayResult result;
    result.mke2fs_said = make_file_system(job, image, !job.request.sparse);
    image.rename_into_place();
    return result;
}

// FILE is there: a SIF takes the overlay as a partition; anything else is refused.
OverlayResult add_to_existing(const Ext3Job& job, UniqueFd existing) {
    const std::string& path = job.request.path;
    struct stat status {};
    if (::fstat(existing.get(), &status) != 0) throw_errno("stat " + path);
    if (!S_ISREG(status.st_mode))
        throw Error(ExitCode::cant_create,
                    path + ": already exists and is not a file (a SIF takes an overlay partition)");
    FdByteSource source(existing.get(), static_cast<uint64_t>(status.st_size));
    if (!image::has_sif_magic(source))
        throw Error(ExitCode::cant_create, path + ": already exists and is not a SIF (only a SIF takes an overlay)");
    // The file checked, opened again for writing through its descriptor: the same file whatever
    // the name now points at.
    std::string reopen = "/proc/self/fd/" + std::to_string(existing.get());
    UniqueFd sif(::open(reopen.c_str(), O_RDWR | O_CLOEXEC));
    if (!sif) throw_errno(path + ": cannot be opened for writing");
    try {
        image::SifFile file = image::read_sif(FdByteSource(sif.get(), static_cast<uint64_t>(status.st_size)));
        // Sparse in any case: the SIF's copy is what gets its blocks allocated.
        TemporaryImage ext3(path);
        OverlayResult result;
        result.mke2fs_said = make_file_system(job, ext3, false);
        image::OverlayAppend append;
        append.time = static_cast<int64_t>(::time(nullptr));
        append.allocate = !job.request.sparse;
        append.between_chunks = stop_if_interrupted;
        image::SifDescriptor added =
            image::add_overlay_partition(sif.get(), file, ext3.fd(), size_in_bytes(job.request), append);
        result.added_to_sif = true;
        result.partition_id = added.id;
        return result;
    } catch (const Error& error) {
        if (error.code() == ExitCode::data) throw error.within(path);
        throw;
    }
}

}  // namespace

std::string overlay_directory_path(std::string_view directory) {
    if (directory.empty()) refuse_directory(directory, "an empty path");
    if (directory.size() > max_directory_length)
        refuse_directory(directory, "longer than " + std::to_string(max_directory_length) + " bytes");
    std::vector<std::string_view> names;
    std::string_view rest = directory;
    while (!rest.empty()) {
        std::size_t slash = rest.find('/');
        std::string_view name = rest.substr(0, slash);
        rest = slash == std::string_view::npos ? std::string_view() : rest.substr(slash + 1);
        if (name.empty() || name == ".") continue;
        if (name == "..") {
            if (names.empty()) refuse_directory(directory, "leaves the overlay's upper/ directory");
            names.pop_back();
            continue;
        }
        if (name.size() > max_name_length)
            refuse_directory(directory, "a name longer than " + std::to_string(max_name_length) + " bytes");
        names.push_back(name);
    }
    std::string path;
    for (std::string_view name : names) path += (path.empty() ? "" : "/") + std::string(name);
    return path;
}

OverlayResult create_overlay(const OverlayRequest& request) {
    if (request.path.empty()) throw Error(ExitCode::usage, "overlay create: FILE is an empty path");
    if (request.size_mib < min_overlay_size_mib || request.size_mib > max_overlay_size_mib)
        throw Error(ExitCode::usage, "--size " + std::to_string(request.size_mib) + ": not between " +
                                         std::to_string(min_overlay_size_mib) + " and " +
                                         std::to_string(max_overlay_size_mib) + " MiB");
    if (request.directories.size() > max_overlay_directories)
        throw Error(ExitCode::usage, "more than " + std::to_string(max_overlay_directories) + " --create-dir");
    Ext3Job job{request, {}, {}};
    for (const std::string& directory : request.directories)
        job.directories.push_back(overlay_directory_path(directory));
    const char* search_path = std::getenv("PATH");
    job.mke2fs = find_mke2fs(search_path ? search_path : "");
    // Blocked, so that a ^C is noticed between steps and the temporaries go with the error.
    sandbox::take_over_signals();

    // O_NONBLOCK: a FIFO at FILE must not hang the open.
    UniqueFd existing(::open(request.path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY));
    if (existing) return add_to_existing(job, std::move(existing));
    int error = errno;
    struct stat status {};
    if (::lstat(request.path.c_str(), &status) == 0)
        throw Error(ExitCode::cant_create, request.path + ": already exists" +
                                               (S_ISLNK(status.st_mode) ? " (a symbolic link to nothing)"
                                                                        : " and cannot be read: " +
                                                                              std::string(std::strerror(error))),
                    error);
    if (error != ENOENT)
        throw Error(ExitCode::cant_create, request.path + ": cannot be created: " + std::strerror(error), error);
    return create_image_file(job);
}

}  // namespace hpc::builder
