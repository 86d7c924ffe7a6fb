#include "image/cache/tag_record_file.hpp"

#include "common/read_to_end.hpp"
#include "common/unique_fd.hpp"
#include "image/cache/cache_bounds.hpp"
#include "image/oci/digest_text.hpp"

#include <nlohmann/json.hpp>

#include <fcntl.h>

namespace hpc::image::cache {

std::string tag_record_json(const std::string& reference, const std::string& architecture, const std::string& digest) {
    nlohmann::json record = {{"reference", reference}, {"architecture", architecture}, {"digest", digest}};
    return record.dump() + "\n";
}

std::optional<StoredTag> read_tag_record(int folder, const std::string& name) {
    UniqueFd fd(::openat(folder, name.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC));
    StoredTag tag;
    if (!fd || ::fstat(fd.get(), &tag.status) != 0 || !S_ISREG(tag.status.st_mode)) return std::nullopt;
    BoundedRead read = read_to_end(fd.get(), max_tag_record_bytes);
    if (read.too_large || read.error != 0) return std::nullopt;
    nlohmann::json record = nlohmann::json::parse(read.bytes, nullptr, false);
    if (!record.is_object()) return std::nullopt;
    auto text = [&](const char* key) -> std::optional<std::string> {
        auto member = record.find(key);
        if (member == record.end() || !member->is_string()) return std::nullopt;
        return member->get<std::string>();
    };
    std::optional<std::string> reference = text("reference"), architecture = text("architecture"), digest = text("digest");
    if (!reference || !architecture || !digest || !oci::is_valid_digest(*digest)) return std::nullopt;
    tag.reference = *reference;
    tag.architecture = *architecture;
    tag.digest = *digest;
    return tag;
}

}  // namespace hpc::image::cache
