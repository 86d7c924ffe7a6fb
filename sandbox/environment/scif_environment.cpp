#include "sandbox/environment/scif_environment.hpp"

#include "common/error.hpp"
#include "common/scif_layout.hpp"
#include "sandbox/environment/shell_syntax.hpp"

namespace hpc::sandbox {
namespace {

void export_value(std::string& out, const std::string& name, const std::string& value) {
    out += "export " + name + "=" + single_quoted(value) + "\n";
}

// Sourced when it is there, as the image's own scripts are.
void source_if_there(std::string& out, const std::string& path) {
    std::string quoted = single_quoted(path);
    out += "[ ! -f " + quoted + " ] || . " + quoted + "\n";
}

}  // namespace

EnvVars app_runtime_variables(const std::string& name) {
    return {{"APPTAINER_APPNAME", name}, {"SINGULARITY_APPNAME", name}};
}

void check_app_action(const ScifAppFacts& app, Action action) {
    if (action == Action::run && !app.has_runscript)
        throw Error(ExitCode::data, "the app " + app.name + " has no runscript (no %apprun " + app.name + ")");
    if (action == Action::test && !app.has_test)
        throw Error(ExitCode::data, "the app " + app.name + " has no test (no %apptest " + app.name + ")");
    if (action == Action::start && !app.has_startscript)
        throw Error(ExitCode::data, "the app " + app.name + " has no startscript (no %appstart " + app.name + ")");
}

std::string app_action_program(const ScifAppFacts& app, Action action) {
    std::string_view file = action == Action::test    ? scif::test_file
                            : action == Action::start ? scif::startscript_file
                                                      : scif::runscript_file;
    return scif::app_meta_file(app.name, file);
}

// Apptainer's 95-apps.sh puts the app's root and bin/ first on PATH and its lib/ first on
// LD_LIBRARY_PATH, then sources the app's 01-base.sh and 90-environment.sh. Its fallbacks to an
// app called "singularity" are left out, and LD_LIBRARY_PATH gains no empty entry (the loader's
// "current directory") when it was unset. The variables for the app's files are those Apptainer's
// inspect help lists, set where the image has the file.
void write_app_activation(std::string& out, const ScifAppFacts& app) {
    out += "# the SCIF app " + app.name + ", active\n";
    for (const auto& [name, value] : scif::active_app_variables(app.name)) export_value(out, name, value);
    const struct {
        bool present;
        const char* variable;
        std::string_view file;
    } files[] = {{app.has_runscript, "SCIF_APPRUN", scif::runscript_file},
                 {app.has_startscript, "SCIF_APPSTART", scif::startscript_file},
                 {app.has_test, "SCIF_APPTEST", scif::test_file},
                 {app.has_help, "SCIF_APPHELP", scif::help_file},
                 {app.has_labels, "SCIF_APPLABELS", scif::labels_file},
                 {app.has_environment, "SCIF_APPENV", scif::environment_file}};
    for (const auto& file : files)
        if (file.present) export_value(out, file.variable, scif::app_meta_file(app.name, file.file));
    const std::string root = scif::app_root(app.name);
    std::string first_on_path = app.has_bin ? root + "/bin:" + root : root;
    out += "export PATH=" + single_quoted(first_on_path) + "${PATH:+:$PATH}\n";
    if (app.has_lib)
        out += "export LD_LIBRARY_PATH=" + single_quoted(root + "/lib") + "${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}\n";
    source_if_there(out, scif::app_meta_file(app.name, scif::base_environment_file));
    source_if_there(out, scif::app_meta_file(app.name, scif::environment_file));
}

}  // namespace hpc::sandbox
