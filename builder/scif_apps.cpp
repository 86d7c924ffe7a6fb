#include "builder/scif_apps.hpp"

#include "builder/file_copies.hpp"
#include "builder/tree_files.hpp"
#include "common/error.hpp"
#include "common/scif_layout.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <filesystem>
#include <map>

namespace hpc::builder {
namespace {

// `path` (absolute in the image) in the stage's tree, the image's links followed inside it.
std::string in_tree(const std::string& root, const std::string& path) { return resolve_inside(root, path); }

// Apptainer writes an app's runscript, startscript and test as "#!/bin/sh", a blank line, the
// section's body, with no #! line of the section's own taken (unlike %runscript's).
std::string sh_script(const image::Script& script) { return "#!/bin/sh\n\n" + script.body + "\n"; }

std::string base_environment(const std::string& name) {
    std::string text = "#!/bin/sh\n# The SCIF variables of the app " + name + ", sourced when it is active.\n";
    std::string names;
    for (const auto& [variable, value] : scif::active_app_variables(name)) {
        text += variable + "=\"" + value + "\"\n";  // an app's name needs no quoting (scif::is_app_name)
        names += " " + variable;
    }
    return text + "export" + names + "\n";
}

// SCIF_APP_NAME, then %applabels (which may replace it), as Apptainer's apps.go writes them.
std::string labels_json(const image::ScifApp& app) {
    std::map<std::string, std::string> labels = {{"SCIF_APP_NAME", app.name}};
    for (const auto& [key, value] : app.labels) labels[key] = value;
    return nlohmann::json(labels).dump(1, '\t');
}

void write_meta(const std::string& root, const std::string& app, std::string_view file, const std::string& content,
                unsigned mode) {
    write_file(in_tree(root, scif::app_meta_file(app, file)), content, mode);
}

void lay_out_app(const std::string& root, const image::ScifApp& app) {
    const std::string app_root = scif::app_root(app.name);
    for (const std::string& directory : {app_root + "/bin", app_root + "/lib", scif::app_meta(app.name) + "/env",
                                         scif::app_data(app.name) + "/input", scif::app_data(app.name) + "/output"})
        make_directories(in_tree(root, directory));
    write_meta(root, app.name, scif::base_environment_file, base_environment(app.name), 0755);
    if (!app.environment.body.empty()) write_meta(root, app.name, scif::environment_file, app.environment.body, 0755);
    if (!app.run.body.empty()) write_meta(root, app.name, scif::runscript_file, sh_script(app.run), 0755);
    if (!app.start.body.empty()) write_meta(root, app.name, scif::startscript_file, sh_script(app.start), 0755);
    if (!app.test.body.empty()) write_meta(root, app.name, scif::test_file, sh_script(app.test), 0755);
    if (!app.help.body.empty()) write_meta(root, app.name, scif::help_file, app.help.body, 0644);
    if (!app.files.empty()) copy_files({"", app.files, app.files.front().line}, "", root);
    write_meta(root, app.name, scif::labels_file, labels_json(app), 0644);
}

// The names of the app folders in the tree, the base image's among them, sorted.
std::vector<std::string> apps_in_tree(const std::string& root) {
    std::vector<std::string> names;
    const std::string apps = in_tree(root, std::string(scif::apps_directory));
    std::error_code error;
    std::filesystem::directory_iterator entries(apps, error);
    if (error) throw Error(ExitCode::os, "list " + apps + ": " + error.message());
    for (const auto& entry : entries) {
        std::string name = entry.path().filename().string();
        if (!scif::is_app_name(name) || !std::filesystem::is_directory(in_tree(root, scif::app_meta(name)))) continue;
        if (names.size() == scif::max_apps)
            throw Error(ExitCode::data, apps + ": more than " + std::to_string(scif::max_apps) + " SCIF apps");
        names.push_back(name);
    }
    std::sort(names.begin(), names.end());
    return names;
}

// Every app's variables, for every launch. Apptainer writes the stage's apps alone (and an empty
// file for a stage without apps), and its paths from the name made fit for a variable; hpc writes
// every app in the tree, the base image's too, and the paths as they are.
std::string apps_environment(const std::string& root) {
    std::string text = "#!/bin/sh\n# Every SCIF app's folders, for every launch.\n";
    for (const std::string& name : apps_in_tree(root)) {
        const std::string suffix = scif::variable_suffix(name);
        std::vector<std::pair<std::string, std::string>> variables = {
            {"SCIF_APPDATA_", scif::app_data(name)},    {"SCIF_APPMETA_", scif::app_meta(name)},
            {"SCIF_APPROOT_", scif::app_root(name)},    {"SCIF_APPBIN_", scif::app_root(name) + "/bin"},
            {"SCIF_APPLIB_", scif::app_root(name) + "/lib"}};
        for (auto [prefix, file] : {std::pair{"SCIF_APPENV_", scif::environment_file},
                                    std::pair{"SCIF_APPLABELS_", scif::labels_file},
                                    std::pair{"SCIF_APPRUN_", scif::runscript_file},
                                    std::pair{"SCIF_APPSTART_", scif::startscript_file}})
            if (exists(in_tree(root, scif::app_meta_file(name, file))))
                variables.emplace_back(prefix, scif::app_meta_file(name, file));
        text += "\n# " + name + "\n";
        std::string names;
        for (const auto& [prefix, value] : variables) {
            text += prefix + suffix + "=\"" + value + "\"\n";
            names += " " + prefix + suffix;
        }
        text += "export" + names + "\n";
    }
    return text;
}

}  // namespace

void lay_out_apps(const std::string& root, const image::DefinitionStage& stage) {
    if (stage.apps.empty()) return;
    for (const image::ScifApp& app : stage.apps) lay_out_app(root, app);
    const std::string script = in_tree(root, std::string(scif::apps_environment_script));
    make_directories(script.substr(0, script.rfind('/')));
    write_file(script, apps_environment(root), 0755);
}

std::string app_install_script(const image::DefinitionStage& stage) {
    std::string script;
    for (const image::ScifApp& app : stage.apps) {
        if (app.install.body.empty()) continue;
        script += "\n# %appinstall " + app.name + "\ncd /\n. " +
                  scif::app_meta_file(app.name, scif::base_environment_file) + "\ncd " + scif::app_root(app.name) + "\n" +
                  app.install.body + "cd /\n";
    }
    return script;
}

}  // namespace hpc::builder
