// ImageCache's list and clean (image_cache.hpp): the entries found by walking the folders, each
// checked by its name's form, and removed only under its lock.
#include "image/cache/image_cache.hpp"

#include "common/directory_names.hpp"
#include "common/error.hpp"
#include "image/cache/cache_bounds.hpp"
#include "image/cache/cache_naming.hpp"
#include "image/cache/entry_lock.hpp"
#include "image/cache/tag_record_file.hpp"
#include "image/cache/temporary_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <ctime>

namespace hpc::image::cache {
namespace {

constexpr int64_t seconds_per_day = 24 * 60 * 60;
constexpr std::string_view algorithms[] = {"sha256", "sha512"};

int64_t days_since(const struct stat& status) {
    int64_t age = static_cast<int64_t>(std::time(nullptr)) - static_cast<int64_t>(status.st_mtim.tv_sec);
    return age < 0 ? 0 : age / seconds_per_day;
}

// An entry with where it is: its folder, its file's name there, and its lock's name.
struct Located {
    Entry entry;
    int folder;
    std::string file;
    std::string lock;
};

std::vector<std::string> names_in(int folder, const std::string& path) {
    std::vector<std::string> names;
    try {
        names = directory_names(folder, max_folder_entries);
    } catch (const Error& error) {
        throw error.within("cache " + path);
    }
    if (names.size() > max_folder_entries)
        throw Error(ExitCode::data, "cache " + path + ": more than " + std::to_string(max_folder_entries) + " entries");
    std::sort(names.begin(), names.end());
    return names;
}

std::optional<struct stat> regular_file_status(int folder, const std::string& name) {
    struct stat status {};
    if (::fstatat(folder, name.c_str(), &status, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISREG(status.st_mode)) return std::nullopt;
    return status;
}

Entry make_entry(Entry::Kind kind, std::string name, const struct stat& status, std::string path) {
    return Entry{kind, std::move(name), static_cast<uint64_t>(status.st_size), days_since(status), std::move(path)};
}

// What a file of `folder` is, when it is an entry's or a temporary's: the entry (its name, kind
// and lock) and whether the file is a temporary of it.
struct FileRole {
    Located located;
    bool temporary = false;
};

class CacheWalk {
public:
    explicit CacheWalk(const CacheFolders& folders) : folders_(folders) {}

    // Every entry and temporary, blobs, SIFs and tags in that order, each group by name.
    std::vector<FileRole> files() const {
        std::vector<FileRole> found;
        for (std::string_view algorithm : algorithms) walk(Holding::blobs, algorithm, found);
        for (std::string_view algorithm : algorithms) walk(Holding::sifs, algorithm, found);
        walk_tags(found);
        return found;
    }

private:
    void walk(Holding holding, std::string_view algorithm, std::vector<FileRole>& found) const {
        int folder = folders_.folder(holding, algorithm);
        std::string path = folders_.path(holding, algorithm);
        for (const std::string& file : names_in(folder, path)) {
            std::string_view final_name = final_name_of_temporary(file);
            bool temporary = !final_name.empty();
            std::string_view hex = temporary ? final_name : std::string_view(file);
            if (holding == Holding::sifs) {
                if (!hex.ends_with(".sif")) continue;
                hex.remove_suffix(4);
            }
            std::string digest = std::string(algorithm) + ":" + std::string(hex);
            std::optional<oci::DigestParts> parts = oci::split_digest(digest);
            std::optional<struct stat> status = regular_file_status(folder, file);
            if (!parts || !status) continue;  // not hpc's: left alone
            Entry::Kind kind = holding == Holding::blobs ? Entry::Kind::blob : Entry::Kind::sif;
            std::string lock = holding == Holding::blobs ? blob_lock_name(*parts) : sif_lock_name(*parts);
            found.push_back({{make_entry(kind, digest, *status, path + "/" + file), folder, file, lock}, temporary});
        }
    }

    void walk_tags(std::vector<FileRole>& found) const {
        int folder = folders_.tags();
        std::string path = folders_.tags_path();
        for (const std::string& file : names_in(folder, path)) {
            std::string_view final_name = final_name_of_temporary(file);
            bool temporary = !final_name.empty();
            std::string hex(temporary ? final_name : std::string_view(file));
            std::optional<struct stat> status = regular_file_status(folder, file);
            if (!oci::is_valid_digest("sha256:" + hex) || !status) continue;
            // A record that cannot be read is listed by its file's name, so that clean can remove it.
            std::optional<StoredTag> record = temporary ? std::nullopt : read_tag_record(folder, file);
            std::string name = record ? record->reference : "tags/" + file;
            Entry entry = make_entry(Entry::Kind::tag, name, *status, path + "/" + file);
            found.push_back({{std::move(entry), folder, file, tag_lock_name(hex)}, temporary});
        }
    }

    const CacheFolders& folders_;
};

// The entry a lock file is for, when its name is one of a lock's: its folder and file name.
std::optional<std::pair<int, std::string>> locked_file(const CacheFolders& folders, std::string_view lock) {
    bool sif = lock.starts_with("sif-");
    bool tag = lock.starts_with("tag-");
    if (sif) lock.remove_prefix(4);
    if (tag) {
        lock.remove_prefix(4);
        if (!oci::is_valid_digest("sha256:" + std::string(lock))) return std::nullopt;
        return std::pair(folders.tags(), std::string(lock));
    }
    std::size_t dash = lock.find('-');
    if (dash == std::string_view::npos) return std::nullopt;
    std::string digest = std::string(lock.substr(0, dash)) + ":" + std::string(lock.substr(dash + 1));
    std::optional<oci::DigestParts> parts = oci::split_digest(digest);
    if (!parts) return std::nullopt;
    if (sif) return std::pair(folders.folder(Holding::sifs, parts->algorithm), sif_file_name(*parts));
    return std::pair(folders.folder(Holding::blobs, parts->algorithm), std::string(parts->hex));
}

bool exists(int folder, const std::string& name) {
    struct stat status {};
    return ::fstatat(folder, name.c_str(), &status, AT_SYMLINK_NOFOLLOW) == 0;
}

void remove_file(int folder, const std::string& name, const std::string& path) {
    if (::unlinkat(folder, name.c_str(), 0) != 0 && errno != ENOENT) throw_errno("cache: remove " + path);
}

}  // namespace

bool due_for_clean(const Entry& entry, std::optional<int> days) { return !days || entry.age_days >= *days; }

std::vector<Entry> ImageCache::list() {
    std::vector<Entry> entries;
    for (FileRole& file : CacheWalk(folders_).files())
        if (!file.temporary) entries.push_back(std::move(file.located.entry));
    return entries;
}

std::vector<Entry> ImageCache::clean(std::optional<int> days) {
    std::vector<Entry> removed;
    for (FileRole& file : CacheWalk(folders_).files()) {
        Located& located = file.located;
        if (!file.temporary && !due_for_clean(located.entry, days)) continue;
        std::optional<EntryLock> lock = EntryLock::try_acquire(folders_.locks(), located.lock, folders_.locks_path());
        if (!lock) continue;  // being fetched or made right now
        // Looked at again under the lock: it may have been replaced, or used, since the walk.
        std::optional<struct stat> status = regular_file_status(located.folder, located.file);
        if (!status) continue;
        if (!file.temporary && !due_for_clean(make_entry(located.entry.kind, "", *status, ""), days)) continue;
        remove_file(located.folder, located.file, located.entry.path);
        removed.push_back(std::move(located.entry));
    }
    // Lock files of entries no longer there (all those just removed, and those of fetches that
    // failed), each under its own lock, so that none is taken from a fetch that just began.
    for (const std::string& name : names_in(folders_.locks(), folders_.locks_path())) {
        std::optional<std::pair<int, std::string>> file = locked_file(folders_, name);
        if (!file || exists(file->first, file->second)) continue;
        std::optional<EntryLock> lock = EntryLock::try_acquire(folders_.locks(), name, folders_.locks_path());
        if (lock && !exists(file->first, file->second)) lock->remove_file();
    }
    return removed;
}

}  // namespace hpc::image::cache
