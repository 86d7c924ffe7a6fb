#include "builder/file_copies.hpp"

#include "builder/host_command.hpp"
#include "builder/tree_files.hpp"
#include "common/error.hpp"

#include <glob.h>
#include <sys/stat.h>
#include <unistd.h>

namespace hpc::builder {
namespace {

// The paths a %files source names (a bash-style glob; braces and ~ too).
std::vector<std::string> expand(const std::string& pattern) {
    std::vector<std::string> paths;
    glob_t matches{};
    if (::glob(pattern.c_str(), GLOB_BRACE | GLOB_TILDE, nullptr, &matches) == 0)
        for (std::size_t index = 0; index < matches.gl_pathc; ++index) paths.emplace_back(matches.gl_pathv[index]);
    ::globfree(&matches);
    return paths;
}

// `path` inside `root`, links followed inside the root; a trailing slash is kept, as `cp` reads
// it as "into this directory".
std::string inside(const std::string& root, const std::string& path) {
    std::string resolved = resolve_inside(root, path);
    if (path.size() > 1 && path.back() == '/') resolved += '/';
    return resolved;
}

bool is_directory(const std::string& path) {
    struct stat status {};
    return ::stat(path.c_str(), &status) == 0 && S_ISDIR(status.st_mode);
}

// The destination's parents, or the destination itself when it ends in a slash.
void make_parents(const std::string& destination) {
    if (exists(destination)) return;
    if (destination.back() == '/')
        make_directories(destination);
    else
        make_directories(destination.substr(0, destination.rfind('/')));
}

void run_copy(const std::vector<std::string>& argv, const std::string& what) {
    if (run_host_command(argv, environment_with({})) != 0)
        throw Error(ExitCode::cant_create, "%files: copying " + what + " failed (" + argv.front() + " said why)");
}

std::string basename_of(const std::string& path) {
    std::string trimmed = path;
    while (trimmed.size() > 1 && trimmed.back() == '/') trimmed.pop_back();
    return trimmed.substr(trimmed.rfind('/') + 1);
}

}  // namespace

void check_host_sources(const image::Definition& definition, const std::string& definition_name) {
    auto check = [&](const image::FileCopy& copy, const std::string& section) {
        if (expand(copy.source).empty())
            throw Error(ExitCode::no_input, definition_name + ":" + std::to_string(copy.line) + ": " + section +
                                                " source '" + copy.source + "' does not exist");
    };
    for (const image::DefinitionStage& stage : definition.stages) {
        for (const image::FilesSection& section : stage.files)
            if (section.from_stage.empty())
                for (const image::FileCopy& copy : section.copies) check(copy, "%files");
        for (const image::ScifApp& app : stage.apps)
            for (const image::FileCopy& copy : app.files) check(copy, "%appfiles " + app.name);
    }
}

void copy_files(const image::FilesSection& section, const std::string& source_root, const std::string& root) {
    for (const image::FileCopy& copy : section.copies) {
        std::string pattern = source_root.empty() ? copy.source : source_root + "/" + copy.source;
        std::vector<std::string> sources = expand(pattern);
        if (sources.empty())
            throw Error(ExitCode::no_input, "%files source '" + copy.source + "' does not exist" +
                                                (source_root.empty() ? "" : " in stage " + section.from_stage));
        for (const std::string& source : sources) {
            std::string relative = source_root.empty() ? source : source.substr(source_root.size());
            std::string destination = inside(root, copy.destination.empty() ? relative : copy.destination);
            make_parents(destination);
            if (source_root.empty()) {
                run_copy({"cp", "-fLr", source, destination}, source);
                continue;
            }
            // From a stage: the source resolved in its own root (its absolute links are its own),
            // and copied under its own name when the destination is a directory.
            std::string resolved = inside(source_root, relative);
            if (is_directory(destination)) destination += "/" + basename_of(relative);
            run_copy({"cp", "-a", resolved, destination}, relative + " from stage " + section.from_stage);
        }
    }
}

}  // namespace hpc::builder
