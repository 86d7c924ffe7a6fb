#include "common/scif_layout.hpp"

#include <algorithm>

namespace hpc::scif {
namespace {

bool is_letter_or_digit(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'); }

}  // namespace

bool is_app_name(std::string_view name) {
    if (name.empty() || name.size() > max_name_bytes || name.front() == '.' || name.front() == '-') return false;
    return std::all_of(name.begin(), name.end(),
                       [](char c) { return is_letter_or_digit(c) || c == '_' || c == '.' || c == '-'; });
}

std::string app_root(std::string_view name) { return std::string(apps_directory) + "/" + std::string(name); }

std::string app_meta(std::string_view name) { return app_root(name) + "/scif"; }

std::string app_data(std::string_view name) { return std::string(data_directory) + "/" + std::string(name); }

std::string app_meta_file(std::string_view name, std::string_view file) {
    return app_meta(name) + "/" + std::string(file);
}

std::vector<std::pair<std::string, std::string>> active_app_variables(std::string_view name) {
    const std::string root = app_root(name);
    const std::string data = app_data(name);
    return {{"SCIF_APPNAME", std::string(name)}, {"SCIF_APPS", std::string(apps_directory)},
            {"SCIF_APPROOT", root},              {"SCIF_APPMETA", app_meta(name)},
            {"SCIF_APPBIN", root + "/bin"},      {"SCIF_APPLIB", root + "/lib"},
            {"SCIF_DATA", std::string(data_directory)}, {"SCIF_APPDATA", data},
            {"SCIF_APPINPUT", data + "/input"},  {"SCIF_APPOUTPUT", data + "/output"}};
}

std::string variable_suffix(std::string_view name) {
    std::string suffix(name);
    for (char& c : suffix)
        if (!is_letter_or_digit(c) && c != '_') c = '_';
    return suffix;
}

}  // namespace hpc::scif
