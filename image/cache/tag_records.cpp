// ImageCache's tag records (image_cache.hpp).
#include "image/cache/image_cache.hpp"

#include "common/error.hpp"
#include "common/write_file.hpp"
#include "image/cache/cache_naming.hpp"
#include "image/cache/entry_lock.hpp"
#include "image/cache/tag_record_file.hpp"
#include "image/cache/temporary_file.hpp"

#include <ctime>

namespace hpc::image::cache {

void ImageCache::record_tag(const std::string& reference, const std::string& architecture, const std::string& digest) {
    checked_digest(digest, "tag " + reference);
    std::string name = tag_file_name(reference, architecture);
    // The lock is for clean, which must not take a temporary being written for a dead one's.
    EntryLock lock = EntryLock::acquire(folders_.locks(), tag_lock_name(name), folders_.locks_path());
    TemporaryFile temporary(folders_.tags(), folders_.tags_path(), name);
    write_all(temporary.fd(), tag_record_json(reference, architecture, digest), temporary.path());
    temporary.commit();
}

std::optional<TagRecord> ImageCache::find_tag(const std::string& reference, const std::string& architecture) {
    std::optional<StoredTag> stored = read_tag_record(folders_.tags(), tag_file_name(reference, architecture));
    if (!stored || stored->reference != reference || stored->architecture != architecture) return std::nullopt;
    int64_t age = static_cast<int64_t>(std::time(nullptr)) - static_cast<int64_t>(stored->status.st_mtim.tv_sec);
    return TagRecord{stored->digest, age < 0 ? 0 : age};
}

}  // namespace hpc::image::cache
