#include "common/home_directory.hpp"

#include "common/environ.hpp"
#include "common/error.hpp"

#include <pwd.h>
#include <unistd.h>

namespace hpc {

std::string home_directory(const std::vector<std::string>& environ) {
    std::optional<std::string_view> home = environ_value(environ, "HOME");
    if (home && home->starts_with('/')) return std::string(*home);
    if (const struct passwd* entry = ::getpwuid(::geteuid()); entry && entry->pw_dir && entry->pw_dir[0] == '/')
        return entry->pw_dir;
    throw Error(ExitCode::config, "no home directory: $HOME is not set, nor is one in the passwd entry");
}

}  // namespace hpc
