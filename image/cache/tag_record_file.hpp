// A tag record's file in tags/: {"reference": ..., "architecture": ..., "digest": ...}, read
// bounded (cache_bounds.hpp) and checked, since anything in the cache may have been changed by
// hand or cut short by a full disk.
#pragma once

#include <sys/stat.h>

#include <optional>
#include <string>

namespace hpc::image::cache {

struct StoredTag {
    std::string reference, architecture, digest;
    struct stat status {};
};

std::string tag_record_json(const std::string& reference, const std::string& architecture, const std::string& digest);
// The record in `folder`'s file `name`, or nullopt when there is none, or it is no regular file,
// too large, or not a record with a valid digest.
std::optional<StoredTag> read_tag_record(int folder, const std::string& name);

}  // namespace hpc::image::cache
