#include "sandbox/plan/scratch_mounts.hpp"

#include "common/error.hpp"
#include "common/path_in_root.hpp"
#include "sandbox/plan/site_policy.hpp"

#include <algorithm>

namespace hpc::sandbox {
namespace {

// Apptainer's modes (fs.MkdirAll and fs.Mkdir, umask reset): scratch is the user's, tmp is
// everyone's with the sticky bit, as /tmp is, and home the user's alone.
constexpr uint32_t scratch_mode = 0750;
constexpr uint32_t tmp_mode = 01777;
constexpr uint32_t home_mode = 0700;

[[noreturn]] void usage_error(std::string message) { throw Error(ExitCode::usage, std::move(message)); }

bool has_control_character(const std::string& path) {
    return std::any_of(path.begin(), path.end(), [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; });
}

bool has_parent_component(const std::string& path) {
    return path == ".." || path.starts_with("../") || path.ends_with("/..") || path.find("/../") != std::string::npos;
}

// The number of components, for putting parents first.
std::size_t depth(const std::string& path) { return static_cast<std::size_t>(std::count(path.begin(), path.end(), '/')); }

}  // namespace

void check_scratch_request(const LaunchRequest& request) {
    if (request.scratch.size() > max_scratch_directories)
        usage_error("-S: " + std::to_string(request.scratch.size()) + " directories, more than " +
                    std::to_string(max_scratch_directories));
    std::vector<std::string> seen;
    for (const std::string& directory : request.scratch) {
        std::string what = "-S " + directory;
        if (directory.size() > max_scratch_path)
            usage_error("-S: a path of " + std::to_string(directory.size()) + " bytes, longer than " +
                        std::to_string(max_scratch_path));
        if (has_control_character(directory)) usage_error("-S: a path with a control character");
        if (directory.front() != '/') usage_error(what + ": not an absolute path (a directory in the container)");
        if (has_parent_component(directory)) usage_error(what + ": a path with '..' in it");
        std::string normal = normalize_absolute(directory);
        if (normal == "/") usage_error(what + ": cannot cover the container's root");
        if (std::find(seen.begin(), seen.end(), normal) != seen.end()) usage_error(what + ": given twice");
        seen.push_back(normal);
    }
    if (request.workdir.size() > max_scratch_path)
        usage_error("-W: a path of " + std::to_string(request.workdir.size()) + " bytes, longer than " +
                    std::to_string(max_scratch_path));
}

std::string plan_workdir(const LaunchRequest& request, const HostFacts& host, const site::SiteConfig& site) {
    if (request.workdir.empty() || (request.scratch.empty() && !request.contain)) return {};
    std::string what = "-W " + request.workdir;
    std::optional<std::string> canonical = host.canonical(absolute_from(host.cwd, request.workdir));
    if (!canonical) throw Error(ExitCode::no_input, what + ": no such directory");
    if (host.is_directory && !host.is_directory(*canonical)) usage_error(what + ": not a directory");
    check_bind_source(site, *canonical);
    return *canonical;
}

MountStep work_directory_step(const std::string& workdir, std::string subdirectory, const std::string& target,
                              uint32_t mode, std::string purpose) {
    MountStep step;
    step.kind = MountKind::work_directory;
    step.source = workdir;
    step.subdirectory = std::move(subdirectory);
    step.target = target;
    step.mode = mode;
    step.purpose = std::move(purpose);
    return step;
}

std::vector<MountStep> plan_scratch_mounts(const LaunchRequest& request, const std::string& workdir) {
    std::vector<std::string> directories;
    for (const std::string& directory : request.scratch) directories.push_back(normalize_absolute(directory));
    std::stable_sort(directories.begin(), directories.end(),
                     [](const std::string& a, const std::string& b) { return depth(a) < depth(b); });
    std::vector<MountStep> steps;
    for (const std::string& directory : directories) {
        std::string purpose = "-S " + directory;
        if (workdir.empty())
            steps.push_back(tmpfs_step(directory, "mode=0755", purpose));
        else
            steps.push_back(work_directory_step(workdir, "scratch" + directory, directory, scratch_mode, purpose));
    }
    return steps;
}

MountStep contained_tmp_in_workdir(const std::string& workdir, const std::string& target) {
    return work_directory_step(workdir, target == "/tmp" ? "tmp" : "var_tmp", target, tmp_mode, "tmp (contained, -W)");
}

MountStep contained_home_in_workdir(const std::string& workdir, const std::string& home) {
    return work_directory_step(workdir, "home", home, home_mode, "home (contained, -W)");
}

}  // namespace hpc::sandbox
