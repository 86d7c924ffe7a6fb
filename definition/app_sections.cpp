#include "definition/app_sections.hpp"

#include "common/scif_layout.hpp"

#include <algorithm>
#include <array>

namespace hpc::image::app_sections {
namespace {

using definition_text::fail;

// deffile.go's appSections.
constexpr std::array<std::string_view, 8> app_section_names = {
    "appinstall", "applabels", "appfiles", "appenv", "apptest", "apphelp", "apprun", "appstart",
};

// The app a section names: the one word after the section's name. Apptainer takes the first word
// and ignores the rest; hpc refuses what it would ignore.
std::string app_name_of(const definition_stage::RawSection& section, const std::string& name) {
    std::string header = "%" + section.name;
    std::vector<std::string_view> words = definition_stage::words_of(definition_stage::before_comment(section.args));
    if (words.empty()) fail(name, section.line, header + ": an app section names its app (" + header + " NAME)");
    std::string app(words[0]);
    if (words.size() > 1)
        fail(name, section.line,
             header + " " + app + ": \"" + std::string(words[1]) +
                 "\" after the app's name (app sections take no arguments)");
    if (!scif::is_app_name(app))
        fail(name, section.line, header + " " + app + ": not an app name (" + std::string(scif::app_name_rule) + ")");
    return app;
}

ScifApp& app_named(std::vector<ScifApp>& apps, const std::string& app, const definition_stage::RawSection& section,
                   const std::string& name) {
    auto found = std::find_if(apps.begin(), apps.end(), [&](const ScifApp& known) { return known.name == app; });
    if (found != apps.end()) return *found;
    if (apps.size() == scif::max_apps)
        fail(name, section.line, "%" + section.name + " " + app + ": more than " + std::to_string(scif::max_apps) +
                                     " SCIF apps in one stage");
    apps.push_back({});
    apps.back().name = app;
    apps.back().line = section.line;
    return apps.back();
}

// %appfiles: `SOURCE [DESTINATION]` as %files, the destination (the source's path when there is
// none) taken inside the app's folder, as Apptainer joins it to /scif/apps/NAME. A ".." that
// would climb out of the folder is refused (Apptainer's join would leave the folder quietly).
void add_files(ScifApp& app, const definition_stage::RawSection& section, const std::string& name,
               std::vector<std::string>& warnings) {
    std::string label = "%appfiles " + app.name;
    for (FileCopy& copy : definition_stage::read_copy_lines(section, label, name, warnings)) {
        std::string relative = copy.destination.empty() ? copy.source : copy.destination;
        if (definition_stage::climbs_above_root(relative))
            fail(name, copy.line,
                 label + " destination \"" + relative + "\" is outside the app's folder " + scif::app_root(app.name));
        relative.erase(0, relative.find_first_not_of('/'));
        copy.destination = scif::app_root(app.name) + "/" + relative;
        app.files.push_back(std::move(copy));
    }
}

}  // namespace

bool is_app_section(std::string_view section) {
    return std::find(app_section_names.begin(), app_section_names.end(), section) != app_section_names.end();
}

void add_app_section(std::vector<ScifApp>& apps, const definition_stage::RawSection& section, const std::string& name,
                     std::vector<std::string>& warnings) {
    ScifApp& app = app_named(apps, app_name_of(section, name), section, name);
    const std::string& kind = section.name;
    if (kind == "applabels") {
        definition_stage::read_labels(app.labels, section);
    } else if (kind == "appfiles") {
        add_files(app, section, name, warnings);
    } else {
        Script& script = kind == "appinstall" ? app.install
                         : kind == "apprun"   ? app.run
                         : kind == "appstart" ? app.start
                         : kind == "apptest"  ? app.test
                         : kind == "appenv"   ? app.environment
                                              : app.help;
        definition_stage::append_body(script, section, "");
    }
}

}  // namespace hpc::image::app_sections
