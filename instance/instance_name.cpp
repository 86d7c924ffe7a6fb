#include "instance/instance_name.hpp"

#include "common/error.hpp"

#include <fnmatch.h>

#include <algorithm>
#include <string>

namespace hpc::instance {

void check_instance_name(std::string_view name) {
    auto allowed = [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
               c == '-';
    };
    std::string why;
    if (name.empty())
        why = "it is empty";
    else if (name.size() > max_name_length)
        why = "longer than " + std::to_string(max_name_length) + " characters";
    else if (!std::all_of(name.begin(), name.end(), allowed))
        why = "only letters, digits, '.', '_' and '-' are allowed";
    else if (name == "." || name == "..")
        why = "it names a directory";
    if (!why.empty()) throw Error(ExitCode::usage, std::string(name) + ": not a valid instance name (" + why + ")");
}

bool name_matches(std::string_view pattern, std::string_view name) {
    return ::fnmatch(std::string(pattern).c_str(), std::string(name).c_str(), 0) == 0;
}

}  // namespace hpc::instance
