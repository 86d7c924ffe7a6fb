#include "image/cache/image_cache.hpp"

#include "common/error.hpp"
#include "image/cache/blob_file_writer.hpp"
#include "image/cache/cache_naming.hpp"
#include "image/cache/entry_lock.hpp"
#include "image/cache/temporary_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>

#include <cerrno>

namespace hpc::image::cache {
namespace {

// `fd` marked as used now, for clean --days. A file system that refuses (one mounted with
// odd permissions) costs only an early clean: no error.
void mark_used(int fd) { ::futimens(fd, nullptr); }

}  // namespace

ImageCache ImageCache::open(const std::string& root) { return ImageCache(CacheFolders::open(root)); }

std::optional<UniqueFd> ImageCache::open_blob(std::string_view digest) {
    oci::DigestParts parts = checked_digest(digest, "blob");
    std::string name(parts.hex);
    // O_NONBLOCK: a FIFO put in a blob's place must not hang the open.
    UniqueFd fd(::openat(folders_.folder(Holding::blobs, parts.algorithm), name.c_str(),
                         O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC));
    if (!fd) {
        if (errno == ENOENT || errno == ELOOP) return std::nullopt;
        throw_errno("cache: open " + folders_.path(Holding::blobs, parts.algorithm) + "/" + name);
    }
    struct stat status {};
    if (::fstat(fd.get(), &status) != 0 || !S_ISREG(status.st_mode)) return std::nullopt;
    ::fcntl(fd.get(), F_SETFL, O_RDONLY);  // O_NONBLOCK off again: it was for the open alone
    return fd;
}

UniqueFd ImageCache::ensure_blob(const oci::Descriptor& descriptor, const std::function<void(BlobWriter&)>& fetch,
                                 bool* fetched) {
    oci::DigestParts parts = checked_digest(descriptor.digest, "blob");
    if (fetched) *fetched = false;
    // A blob of another size is not the descriptor's (or the descriptor is wrong, and the fetch
    // will say so): fetched again, and renamed over it.
    auto cached = [&]() -> std::optional<UniqueFd> {
        std::optional<UniqueFd> fd = open_blob(descriptor.digest);
        struct stat status {};
        if (!fd || ::fstat(fd->get(), &status) != 0 || static_cast<uint64_t>(status.st_size) != descriptor.size)
            return std::nullopt;
        mark_used(fd->get());
        return fd;
    };
    // A blob gets its name only once whole and checked, so one found needs no lock.
    if (std::optional<UniqueFd> fd = cached()) return std::move(*fd);

    EntryLock lock = EntryLock::acquire(folders_.locks(), blob_lock_name(parts), folders_.locks_path());
    if (std::optional<UniqueFd> fd = cached()) return std::move(*fd);  // fetched while we waited
    int folder = folders_.folder(Holding::blobs, parts.algorithm);
    std::string folder_path = folders_.path(Holding::blobs, parts.algorithm);
    std::string name(parts.hex);
    remove_temporaries_of(folder, folder_path, name);
    {
        TemporaryFile temporary(folder, folder_path, name);
        BlobFileWriter writer(temporary.fd(), temporary.path(), descriptor);
        fetch(writer);
        writer.check_complete();
        temporary.commit();
    }
    if (fetched) *fetched = true;
    std::optional<UniqueFd> fd = open_blob(descriptor.digest);
    if (!fd) throw Error(ExitCode::software, "cache: " + folder_path + "/" + name + ": gone right after it was written");
    return std::move(*fd);
}

std::optional<std::string> ImageCache::find_blob(std::string_view digest) {
    if (!open_blob(digest)) return std::nullopt;
    oci::DigestParts parts = checked_digest(digest, "blob");
    return folders_.path(Holding::blobs, parts.algorithm) + "/" + std::string(parts.hex);
}

std::optional<std::string> ImageCache::find_sif(std::string_view manifest_digest) {
    oci::DigestParts parts = checked_digest(manifest_digest, "image");
    struct stat status {};
    std::string name = sif_file_name(parts);
    if (::fstatat(folders_.folder(Holding::sifs, parts.algorithm), name.c_str(), &status, AT_SYMLINK_NOFOLLOW) != 0 ||
        !S_ISREG(status.st_mode))
        return std::nullopt;
    return folders_.path(Holding::sifs, parts.algorithm) + "/" + name;
}

std::string ImageCache::ensure_sif(std::string_view manifest_digest, const std::function<void(int fd)>& make, bool* made) {
    oci::DigestParts parts = checked_digest(manifest_digest, "image");
    if (made) *made = false;
    if (std::optional<std::string> path = find_sif(manifest_digest)) {
        touch(*path);
        return *path;
    }
    EntryLock lock = EntryLock::acquire(folders_.locks(), sif_lock_name(parts), folders_.locks_path());
    if (std::optional<std::string> path = find_sif(manifest_digest)) return *path;  // made while we waited
    int folder = folders_.folder(Holding::sifs, parts.algorithm);
    std::string folder_path = folders_.path(Holding::sifs, parts.algorithm);
    std::string name = sif_file_name(parts);
    remove_temporaries_of(folder, folder_path, name);
    TemporaryFile temporary(folder, folder_path, name);
    make(temporary.fd());
    temporary.commit();
    if (made) *made = true;
    return folder_path + "/" + name;
}

void ImageCache::touch(const std::string& path) {
    if (::utimensat(AT_FDCWD, path.c_str(), nullptr, AT_SYMLINK_NOFOLLOW) != 0 && errno != ENOENT)
        throw_errno("cache: mark " + path + " as used");
}

}  // namespace hpc::image::cache
