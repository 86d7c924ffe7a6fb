#include "launch/image_summary.hpp"

#include "common/scif_layout.hpp"
#include "launch/image_file_view.hpp"
#include "sandbox/environment/action_script.hpp"

#include <pwd.h>

#include <algorithm>
#include <string>
#include <vector>

namespace hpc::launch {
namespace {

bool is_executable_file(const image::ImageTree& tree, const std::string& path) {
    std::optional<image::EntryInfo> entry = tree.stat(path);
    return entry && entry->kind == image::EntryKind::regular && (entry->mode & 0111) != 0;
}

bool is_kind(const image::ImageTree& tree, const std::string& path, image::EntryKind kind) {
    std::optional<image::EntryInfo> entry = tree.stat(path);
    return entry && entry->kind == kind;
}

std::optional<sandbox::ScifAppFacts> app_facts(const image::ImageTree& tree, const std::string& name) {
    if (!scif::is_app_name(name) || !is_kind(tree, scif::app_meta(name), image::EntryKind::directory))
        return std::nullopt;
    auto meta_file = [&](std::string_view file) {
        return is_kind(tree, scif::app_meta_file(name, file), image::EntryKind::regular);
    };
    sandbox::ScifAppFacts app;
    app.name = name;
    app.has_runscript = is_executable_file(tree, scif::app_meta_file(name, scif::runscript_file));
    app.has_startscript = meta_file(scif::startscript_file);
    app.has_test = is_executable_file(tree, scif::app_meta_file(name, scif::test_file));
    app.has_help = meta_file(scif::help_file);
    app.has_labels = meta_file(scif::labels_file);
    app.has_environment = meta_file(scif::environment_file);
    app.has_bin = is_kind(tree, scif::app_root(name) + "/bin", image::EntryKind::directory);
    app.has_lib = is_kind(tree, scif::app_root(name) + "/lib", image::EntryKind::directory);
    return app;
}

// Apptainer sources /.singularity.d/env/*.sh in glob order; images from before
// Singularity 2.3 have only /environment.
std::vector<std::string> environment_scripts(const image::ImageTree& tree) {
    const std::string directory = "/.singularity.d/env";
    std::vector<std::string> scripts;
    if (std::optional<image::EntryInfo> entry = tree.stat(directory); entry && entry->kind == image::EntryKind::directory) {
        for (const std::string& name : tree.list_directory(directory)) {
            std::string path = directory + "/" + name;
            std::optional<image::EntryInfo> script = tree.stat(path);
            if (name.ends_with(".sh") && script && script->kind == image::EntryKind::regular) scripts.push_back(path);
        }
        return scripts;
    }
    if (std::optional<image::EntryInfo> legacy = tree.stat("/environment");
        legacy && legacy->kind == image::EntryKind::regular)
        scripts.push_back("/environment");
    return scripts;
}

// What the image's environment scripts do, when hpc's builds wrote every one of them.
std::optional<std::vector<sandbox::KnownScript>> known_scripts(const image::ImageTree& tree,
                                                               const std::vector<std::string>& scripts) {
    std::vector<sandbox::KnownScript> known;
    for (const std::string& path : scripts) {
        std::optional<image::EntryInfo> entry = tree.stat(path);
        if (!entry || !sandbox::may_be_known_script(sandbox::script_name(path), entry->size)) return std::nullopt;
        std::optional<std::string> content = tree.read_file(path, sandbox::max_known_script_bytes);
        std::optional<sandbox::KnownScript> script =
            content ? sandbox::recognise_script(sandbox::script_name(path), *content) : std::nullopt;
        if (!script) return std::nullopt;
        known.push_back(std::move(*script));
    }
    return known;
}

// Whether anything in the image's /.singularity.d/libs exists, links followed, as the action
// script's glob tests it.
bool has_bound_libraries(const image::ImageTree& tree) {
    const std::string directory(sandbox::bound_libraries_directory);
    for (const std::string& name : tree.list_directory(directory))
        if (tree.stat(directory + "/" + name)) return true;
    return false;
}

// For the site's images.allow_owners; an owner without a name is known by number.
std::string user_name(uid_t uid) {
    std::vector<char> buffer(16384);
    passwd entry{};
    passwd* found = nullptr;
    if (::getpwuid_r(uid, &entry, buffer.data(), buffer.size(), &found) == 0 && found) return found->pw_name;
    return std::to_string(uid);
}

}  // namespace

sandbox::ImageSummary summarize_image(const image::ImageFile& image, std::shared_ptr<const image::ImageTree> tree,
                                      const std::string& app) {
    sandbox::ImageSummary summary;
    summary.is_directory = image.format() == image::ImageFormat::directory;
    summary.path = image.resolved_path();
    summary.device = image.device();
    summary.inode = image.inode();
    summary.format = image::format_name(image.format());
    summary.owner = user_name(image.owner());
    summary.overlay_partition = image.sif() && image::find_overlay_partition(*image.sif());
    summary.facts.env_scripts = environment_scripts(*tree);
    summary.facts.known_scripts = known_scripts(*tree, summary.facts.env_scripts);
    summary.facts.has_bound_libraries = has_bound_libraries(*tree);
    summary.facts.has_runscript = is_executable_file(*tree, "/.singularity.d/runscript");
    summary.facts.has_test = is_executable_file(*tree, "/.singularity.d/test");
    summary.facts.has_startscript = is_executable_file(*tree, "/.singularity.d/startscript");
    summary.facts.has_bin_sh = is_executable_file(*tree, "/bin/sh");
    summary.facts.has_bin_bash = is_executable_file(*tree, "/bin/bash");
    if (!app.empty()) summary.facts.app = app_facts(*tree, app);
    summary.passwd = tree->read_file("/etc/passwd").value_or("");
    summary.group = tree->read_file("/etc/group").value_or("");
    summary.exists = [tree](const std::string& path) { return tree->stat(path).has_value(); };
    summary.libraries = mpi::image_libraries(image_file_view(tree));
    return summary;
}

}  // namespace hpc::launch
