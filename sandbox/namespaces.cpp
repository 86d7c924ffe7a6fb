#include "sandbox/namespaces.hpp"

#include "common/error.hpp"
#include "common/unique_fd.hpp"

#include <fcntl.h>
#include <sched.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace hpc::sandbox {
namespace {

void write_proc_file(const char* path, const std::string& content) {
    UniqueFd fd(::open(path, O_WRONLY | O_CLOEXEC));
    if (!fd) throw_errno(std::string("open ") + path);
    if (::write(fd.get(), content.data(), content.size()) != static_cast<ssize_t>(content.size()))
        throw_errno(std::string("write ") + path + " (\"" + content.substr(0, content.find('\n')) + "\")");
}

std::string map_lines(const std::vector<IdMap>& maps) {
    std::string lines;
    for (const IdMap& map : maps)
        lines += std::to_string(map.inside) + " " + std::to_string(map.outside) + " " +
                 std::to_string(map.count) + "\n";
    return lines;
}

}  // namespace

void enter_namespaces(const LaunchPlan& plan) {
    enter_user_namespace(plan.uid_map, plan.gid_map, plan.namespaces.ipc ? CLONE_NEWIPC : 0);
}

void enter_user_namespace(const std::vector<IdMap>& uid_map, const std::vector<IdMap>& gid_map, int more_flags) {
    int flags = CLONE_NEWUSER | CLONE_NEWNS | more_flags;
    if (::unshare(flags) != 0) {
        int err = errno;
        if (err == EPERM || err == ENOSPC || err == EINVAL)
            throw Error(ExitCode::unavailable,
                        std::string("cannot create a user namespace: ") + std::strerror(err) +
                            " (check the sysctls user.max_user_namespaces and "
                            "kernel.unprivileged_userns_clone, or an AppArmor userns policy)",
                        err);
        throw_errno("unshare", err);
    }
    try {
        // An unprivileged process may map its own ids once setgroups(2) is denied
        // (user_namespaces(7)); subordinate ranges come later, through newuidmap.
        write_proc_file("/proc/self/setgroups", "deny");
        write_proc_file("/proc/self/uid_map", map_lines(uid_map));
        write_proc_file("/proc/self/gid_map", map_lines(gid_map));
    } catch (const Error& error) {
        throw error.within("writing the user namespace's id maps");
    }
}

}  // namespace hpc::sandbox
