#include "cmd/instance_lookup.hpp"

#include "common/error.hpp"
#include "common/home_directory.hpp"
#include "common/process_environment.hpp"
#include "instance/instance_name.hpp"

#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <unistd.h>

#include <climits>
#include <optional>
#include <vector>

namespace hpc::cmd {
namespace {

std::string host_name() {
    char name[HOST_NAME_MAX + 1] = {};
    if (::gethostname(name, sizeof name - 1) != 0) throw_errno("find this host's name");
    return name;
}

std::optional<passwd> user_entry(bool by_uid, uid_t uid, const std::string& name, std::vector<char>& buffer) {
    passwd entry{};
    passwd* found = nullptr;
    buffer.resize(16384);
    int result = by_uid ? ::getpwuid_r(uid, &entry, buffer.data(), buffer.size(), &found)
                        : ::getpwnam_r(name.c_str(), &entry, buffer.data(), buffer.size(), &found);
    if (result != 0 || !found) return std::nullopt;
    return entry;
}

}  // namespace

std::string own_user_name() {
    std::vector<char> buffer;
    std::optional<passwd> entry = user_entry(true, ::getuid(), "", buffer);
    return entry ? std::string(entry->pw_name) : std::to_string(::getuid());
}

instance::InstanceDirectory instances_of(const std::string& user) {
    if (user.empty() || user == own_user_name())
        return instance::InstanceDirectory::open(home_directory(process_environment()), host_name(), own_user_name());
    if (::geteuid() != 0) throw Error(ExitCode::denied, "--user " + user + ": only root may see another user's instances");
    std::vector<char> buffer;
    std::optional<passwd> entry = user_entry(false, 0, user, buffer);
    if (!entry) throw Error(ExitCode::no_input, "--user " + user + ": no such user");
    // Root acts on the user's folder and processes as the user, with the user's ids alone: its
    // own would let a link the user planted there reach anything.
    if (::setgroups(0, nullptr) != 0 || ::setresgid(entry->pw_gid, entry->pw_gid, entry->pw_gid) != 0 ||
        ::setresuid(entry->pw_uid, entry->pw_uid, entry->pw_uid) != 0)
        throw_errno("--user " + user + ": take the user's ids");
    return instance::InstanceDirectory::open(entry->pw_dir, host_name(), entry->pw_name);
}

UniqueFd open_proc() {
    UniqueFd proc(::open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!proc) throw_errno("open /proc");
    return proc;
}

instance::RunningInstance running_instance(const instance::InstanceDirectory& directory, const std::string& name,
                                           int proc) {
    instance::check_instance_name(name);
    std::optional<instance::RunningInstance> running = instance::find_running(directory, name, proc);
    if (!running)
        throw Error(ExitCode::no_input, "instance " + name + ": not running (hpc instance list shows those that are)");
    return std::move(*running);
}

}  // namespace hpc::cmd
