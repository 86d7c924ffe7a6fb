#include "sandbox/run/find_program.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <sstream>

namespace hpc::sandbox {
namespace {

// What execvp(3) searches when PATH is unset (confstr's _CS_PATH, and the directories Debian
// installs these programs in).
constexpr char default_path[] = "/usr/local/bin:/usr/bin:/bin";

bool is_executable_file(const std::string& path) {
    struct stat status {};
    return ::stat(path.c_str(), &status) == 0 && S_ISREG(status.st_mode) && ::access(path.c_str(), X_OK) == 0;
}

}  // namespace

std::optional<std::string> find_program(const std::string& name) {
    if (name.empty()) return std::nullopt;
    if (name.find('/') != std::string::npos) return is_executable_file(name) ? std::optional(name) : std::nullopt;
    const char* path = std::getenv("PATH");
    std::istringstream directories(path && *path ? path : default_path);
    std::string directory;
    while (std::getline(directories, directory, ':'))
        if (!directory.empty() && is_executable_file(directory + "/" + name)) return directory + "/" + name;
    return std::nullopt;
}

}  // namespace hpc::sandbox
