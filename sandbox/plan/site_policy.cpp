#include "sandbox/plan/site_policy.hpp"

#include "common/error.hpp"
#include "common/path_in_root.hpp"

#include <algorithm>

namespace hpc::sandbox {
namespace {

[[noreturn]] void deny(std::string_view key, const std::string& item) {
    throw Error(ExitCode::denied, "denied by site policy: " + std::string(key) + ": " + item);
}

// The checks promise to judge canonical paths; a relative one is the caller's bug, and must
// not be judged as if it were under "/".
void require_absolute(const std::string& path) {
    if (path.empty() || path.front() != '/')
        throw Error(ExitCode::software, "site policy: '" + path + "' is not an absolute path");
}

bool within_any(const std::vector<std::string>& directories, const std::string& path) {
    return std::any_of(directories.begin(), directories.end(),
                       [&](const std::string& directory) { return path_is_within(path, directory); });
}

bool listed(const std::vector<std::string>& names, std::string_view name) {
    return std::find(names.begin(), names.end(), name) != names.end();
}

}  // namespace

bool path_is_within(std::string_view path, std::string_view directory) {
    std::string normal_path = normalize_absolute(path);
    std::string normal_directory = normalize_absolute(directory);
    if (normal_directory == "/" || normal_path == normal_directory) return true;
    // "/scratch2" starts with "/scratch" but is not below it: the next character must end a component.
    return normal_path.starts_with(normal_directory) && normal_path[normal_directory.size()] == '/';
}

void check_bind_source(const site::SiteConfig& config, const std::string& canonical_source) {
    require_absolute(canonical_source);
    if (within_any(config.binds.deny, canonical_source)) deny("binds.deny", canonical_source);
    if (!config.binds.allow.empty() && !within_any(config.binds.allow, canonical_source))
        deny("binds.allow", canonical_source);
}

void check_image(const site::SiteConfig& config, const std::string& canonical_path, std::string_view format,
                 const std::string& owner_name) {
    require_absolute(canonical_path);
    const site::ImagesPolicy& images = config.images;
    if (!images.allow_paths.empty() && !within_any(images.allow_paths, canonical_path))
        deny("images.allow_paths", canonical_path);
    if (!listed(images.allow_formats, format))
        deny("images.allow_formats", std::string(format) + " (" + canonical_path + ")");
    if (!images.allow_owners.empty() && !listed(images.allow_owners, owner_name))
        deny("images.allow_owners", owner_name + " (owner of " + canonical_path + ")");
}

void check_fakeroot(const site::SiteConfig& config, bool without_subuid) {
    if (!config.fakeroot.allow) deny("fakeroot.allow", "--fakeroot");
    if (without_subuid && !config.fakeroot.allow_without_subuid)
        deny("fakeroot.allow_without_subuid", "--fakeroot for a user without a subordinate id range");
}

}  // namespace hpc::sandbox
