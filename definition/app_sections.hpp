// The SCIF app sections of a stage (%appinstall NAME, %apprun NAME, %appstart NAME, %apptest NAME,
// %appenv NAME, %apphelp NAME, %applabels NAME, %appfiles NAME), read into the stage's apps as
// Apptainer's parser and apps.go read them: each section belongs to the app it names, an app is
// made at its first section, and its sections' bodies are read as the stage's own sections.
// Internal to definition/; see definition.hpp.
#pragma once

#include "definition/definition.hpp"
#include "definition/definition_stage.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace hpc::image::app_sections {

// `section`: a section's name, lowercased, without '%'.
bool is_app_section(std::string_view section);

// Adds an app section to the app it names. Throws hpc::Error(data) "<name>:<line>: ..." for a
// section without an app's name or with words after it, a name scif::is_app_name refuses, more
// than scif::max_apps apps, and an %appfiles destination outside the app's folder.
void add_app_section(std::vector<ScifApp>& apps, const definition_stage::RawSection& section, const std::string& name,
                     std::vector<std::string>& warnings);

}  // namespace hpc::image::app_sections
