// The image cache many jobs share, on one node and across nodes over NFS or Lustre: registry
// blobs by digest, SIFs built from registry images by manifest digest, and what a tag resolved
// to. Layout under the root (cache_location.hpp says where the root is):
//
//   blobs/sha256/HEX, blobs/sha512/HEX   a blob, its digest checked before it got its name
//   sif/sha256/HEX.sif                   the SIF built from the image whose manifest is sha256:HEX
//   tags/HEX                             a tag record: JSON {reference, architecture, digest};
//                                        HEX is the sha256 of "REFERENCE\nARCHITECTURE"
//   locks/ALG-HEX, locks/sif-ALG-HEX,    the entries' lock files (entry_lock.hpp: flock; on
//   locks/tag-HEX                        Lustre the clients must mount with -o flock)
//   NAME.tmp-RANDOM                      a file being written, next to its final NAME
//
// An entry appears whole or not at all: it is written to a temporary, checked, synced and
// renamed into place under the entry's lock, so a reader needs no lock, a writer that dies
// leaves at most a temporary (removed by the next writer of that entry, or by clean), and of
// several processes that want one blob at once, one fetches it and the others wait and use it.
// A cache entry's last use is its mtime (touch), for clean --days. The cache is one user's:
// its folders must be theirs and not writable by others (cache_folders.hpp). Nothing here
// prints; failures are hpc::Error naming the file. An object may be used from several threads.
#pragma once

#include "common/unique_fd.hpp"
#include "image/cache/cache_folders.hpp"
#include "image/oci/oci_image.hpp"

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hpc::image::cache {

struct TagRecord {
    std::string digest;
    int64_t age_seconds = 0;  // since the record was written
};

struct Entry {
    enum class Kind { blob, sif, tag } kind;
    std::string name;  // the digest, or the tag's reference
    uint64_t size = 0;
    int64_t age_days = 0;  // whole days since its last use
    std::string path;
};

// What a fetch writes into: every byte is counted and hashed as it goes to a new temporary file.
// A write past the descriptor's size throws hpc::Error(data) at once; a full disk, the errno's.
class BlobWriter {
public:
    virtual ~BlobWriter() = default;
    virtual void write(const void* data, std::size_t size) = 0;
};

class ImageCache {
public:
    // Opens (creating, mode 0700, with its parents as `mkdir -p` would) the root and its
    // sub-folders; holds a descriptor of each and works with *at() calls from them. Refuses
    // (hpc::Error denied, naming the folder) a root not owned by the caller's uid or writable by
    // group or others, or a symlink in place of a sub-folder.
    static ImageCache open(const std::string& root);

    const std::string& root() const { return folders_.root(); }

    // The cached blob, opened read-only (O_NOFOLLOW, a regular file checked by fstat), or
    // nullopt. Throws hpc::Error(data) for a digest that is not a valid one.
    std::optional<UniqueFd> open_blob(std::string_view digest);

    // The path of the cached blob (a regular file), or nullopt: for a blob that is itself an
    // image (an oras:// SIF), run from where it lies.
    std::optional<std::string> find_blob(std::string_view digest);

    // Makes sure the blob is cached and returns it opened. Under the digest's exclusive lock
    // (waiting as long as another process fetches it): when the blob is there (of the
    // descriptor's size), nothing is fetched; else stale temporaries of that digest are
    // removed, `fetch` writes the blob into a BlobWriter over a new temporary file (0600,
    // O_EXCL), its size and digest are checked against `descriptor` (hpc::Error(data) "blob
    // sha256:ab12cd34ef56: digest mismatch (got sha256:...)"), it is fsync'd and renamed into
    // place. On any exception the temporary is removed and the exception propagates.
    // `fetched` (if not null) says whether this call fetched. A full disk gives the errno's
    // Error. The digest must pass oci::is_valid_digest, else hpc::Error(data).
    UniqueFd ensure_blob(const oci::Descriptor& descriptor, const std::function<void(BlobWriter&)>& fetch,
                         bool* fetched = nullptr);

    // The path of the SIF cached for the image of this manifest digest, when it is there (a
    // regular file), else nullopt.
    std::optional<std::string> find_sif(std::string_view manifest_digest);
    // Under the manifest digest's lock: when the SIF is absent, `make` writes it into the given
    // descriptor (read-write) of a new temporary file (it may seek and pwrite), which is then
    // fsync'd and renamed into place. Returns the path. `made` (if not null) says whether this
    // call made it. A failing `make` leaves nothing behind.
    std::string ensure_sif(std::string_view manifest_digest, const std::function<void(int fd)>& make, bool* made = nullptr);

    // What a tag resolved to, per reference ("docker.io/library/alpine:latest") and
    // architecture ("amd64"); written by temporary and rename, the last writer winning.
    void record_tag(const std::string& reference, const std::string& architecture, const std::string& digest);
    // nullopt when there is no record, or it is not one hpc wrote for this reference and
    // architecture (unreadable, larger than 64 KiB, another reference in it).
    std::optional<TagRecord> find_tag(const std::string& reference, const std::string& architecture);

    // Marks a blob or SIF as used now (its mtime), for clean --days. A path no longer there
    // (cleaned meanwhile) is no error.
    void touch(const std::string& path);

    // Every blob, SIF and tag record, in that order, each by name.
    std::vector<Entry> list();
    // Removes the entries last used at least `days` days ago (all when days is nullopt), each
    // under its lock taken without waiting (an entry another process is fetching is skipped),
    // plus temporaries and lock files whose lock is free. Returns the entries removed (a
    // temporary's name is that of the entry it was to be, its path its own).
    std::vector<Entry> clean(std::optional<int> days);

private:
    explicit ImageCache(CacheFolders folders) : folders_(std::move(folders)) {}

    CacheFolders folders_;
};

// Whether clean(days) removes `entry` (when its lock is free).
bool due_for_clean(const Entry& entry, std::optional<int> days);

}  // namespace hpc::image::cache
