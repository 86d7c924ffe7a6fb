#include "sandbox/run/namespaces.hpp"

#include "common/error.hpp"
#include "common/pipe.hpp"
#include "common/unique_fd.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <string>
#include <vector>

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

// The kernel lets a process map only its own ids; any other map is newuidmap's to write.
bool only_own_ids(const std::vector<IdMap>& uid_map, const std::vector<IdMap>& gid_map) {
    return uid_map.size() == 1 && uid_map[0].outside == ::getuid() && uid_map[0].count == 1 &&
           gid_map.size() == 1 && gid_map[0].outside == ::getgid() && gid_map[0].count == 1;
}

std::vector<std::string> mapper_argv(const char* program, pid_t pid, const std::vector<IdMap>& maps) {
    std::vector<std::string> argv{program, std::to_string(pid)};
    for (const IdMap& map : maps)
        for (uint32_t value : {map.inside, map.outside, map.count}) argv.push_back(std::to_string(value));
    return argv;
}

// Runs newuidmap or newgidmap (setuid root, from shadow) and returns whether it succeeded; it
// says why on stderr when it does not.
bool run_mapper(const std::vector<std::string>& argv) {
    std::vector<char*> pointers;
    for (const std::string& word : argv) pointers.push_back(const_cast<char*>(word.c_str()));
    pointers.push_back(nullptr);
    pid_t child = ::fork();
    if (child < 0) return false;
    if (child == 0) {
        for (const char* directory : {"/usr/bin/", "/bin/", "/usr/local/bin/"})
            ::execv((directory + argv[0]).c_str(), pointers.data());
        ::_exit(127);
    }
    int status = 0;
    while (::waitpid(child, &status, 0) < 0)
        if (errno != EINTR) return false;
    return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

// A helper forked while this process is still in the parent user namespace, where newuidmap
// must run: it waits for the word that the new namespace exists, writes both maps into it
// and exits with whether that worked.
class MapperHelper {
public:
    MapperHelper(const std::vector<IdMap>& uid_map, const std::vector<IdMap>& gid_map) {
        Pipe go("starting the id-mapping helper");
        go_ = std::move(go.write);
        UniqueFd wait_for = std::move(go.read);
        pid_t target = ::getpid();
        std::vector<std::string> uid_argv = mapper_argv("newuidmap", target, uid_map);
        std::vector<std::string> gid_argv = mapper_argv("newgidmap", target, gid_map);
        pid_ = ::fork();
        if (pid_ < 0) throw_errno("fork the id-mapping helper");
        if (pid_ == 0) {
            go_.reset();
            ::prctl(PR_SET_PDEATHSIG, SIGKILL);
            char word = 0;
            if (::read(wait_for.get(), &word, 1) != 1) ::_exit(1);  // the namespace was not made
            ::_exit(run_mapper(uid_argv) && run_mapper(gid_argv) ? 0 : 1);
        }
    }
    MapperHelper(const MapperHelper&) = delete;
    MapperHelper& operator=(const MapperHelper&) = delete;
    ~MapperHelper() {
        if (pid_ <= 0) return;
        go_.reset();  // no word: it exits
        ::waitpid(pid_, nullptr, 0);
    }

    // The namespace exists: map it, and wait until that is done.
    void map_now() {
        char word = 1;
        if (::write(go_.get(), &word, 1) != 1) throw_errno("start the id-mapping helper");
        int status = 0;
        while (::waitpid(pid_, &status, 0) < 0)
            if (errno != EINTR) throw_errno("wait for newuidmap");
        pid_ = 0;
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
            throw Error(ExitCode::unavailable,
                        "newuidmap or newgidmap refused the subordinate id ranges (it said why above; "
                        "check /etc/subuid and /etc/subgid)");
    }

private:
    pid_t pid_ = 0;
    UniqueFd go_;
};

void unshare_user_namespace(int flags) {
    if (::unshare(flags) == 0) return;
    int err = errno;
    if (err == EPERM || err == ENOSPC || err == EINVAL)
        throw Error(ExitCode::unavailable,
                    std::string("cannot create a user namespace: ") + std::strerror(err) +
                        " (check the sysctls user.max_user_namespaces and "
                        "kernel.unprivileged_userns_clone, or an AppArmor userns policy)",
                    err);
    throw_errno("create the user and mount namespaces", err);
}

bool same_file(const struct stat& one, const struct stat& other) {
    return one.st_dev == other.st_dev && one.st_ino == other.st_ino;
}

// Ended, waiting for its parent to reap it: there is nothing left to kill.
bool has_ended(int proc, const std::string& pid) {
    UniqueFd status(::openat(proc, (pid + "/stat").c_str(), O_RDONLY | O_CLOEXEC));
    char text[512];
    ssize_t length = status ? ::read(status.get(), text, sizeof text - 1) : -1;
    if (length <= 0) return true;
    std::string line(text, static_cast<std::size_t>(length));
    std::size_t name_end = line.rfind(')');  // "pid (name) state ...": a name may hold anything
    return name_end == std::string::npos || name_end + 2 >= line.size() || line[name_end + 2] == 'Z' ||
           line[name_end + 2] == 'X';
}

// The processes, but the caller, whose user namespace is `user` and which still run (the ns
// link of one that is not ours cannot be read: it is skipped, as one that has just ended).
std::vector<pid_t> processes_in(int proc, const struct stat& user) {
    std::vector<pid_t> found;
    UniqueFd listing(::openat(proc, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    DIR* entries = listing ? ::fdopendir(listing.release()) : nullptr;
    if (!entries) return found;
    pid_t self = ::getpid();
    while (const dirent* entry = ::readdir(entries)) {
        if (!std::isdigit(static_cast<unsigned char>(entry->d_name[0]))) continue;
        pid_t pid = static_cast<pid_t>(std::stol(entry->d_name));
        struct stat namespace_of{};
        std::string link = std::string(entry->d_name) + "/ns/user";
        if (pid != self && ::fstatat(proc, link.c_str(), &namespace_of, 0) == 0 && same_file(namespace_of, user) &&
            !has_ended(proc, entry->d_name))
            found.push_back(pid);
    }
    ::closedir(entries);
    return found;
}

}  // namespace

void end_other_processes_in_own_user_namespace(int proc) {
    struct stat own{};
    if (::fstatat(proc, "self/ns/user", &own, 0) != 0) return;
    for (int round = 0; round < 100; ++round) {  // a process may fork while it is being ended
        std::vector<pid_t> left = processes_in(proc, own);
        if (left.empty()) return;
        for (pid_t pid : left) ::kill(pid, SIGKILL);
        ::usleep(1000);
    }
}

bool maps_root(const LaunchPlan& plan) {
    return std::any_of(plan.uid_map.begin(), plan.uid_map.end(), [](const IdMap& map) { return map.inside == 0; });
}

void enter_root_owner() { enter_user_namespace({{0, ::getuid(), 1}}, {{0, ::getgid(), 1}}); }

void enter_namespaces_inside_root_owner(const LaunchPlan& plan) {
    // The user's ids are 0 out here: the plan's maps of them (one id each, maps_root false) point at 0.
    std::vector<IdMap> uid_map = {{plan.uid_map.at(0).inside, 0, 1}};
    std::vector<IdMap> gid_map = {{plan.gid_map.at(0).inside, 0, 1}};
    enter_user_namespace(uid_map, gid_map, plan.namespaces.ipc ? CLONE_NEWIPC : 0);
}

void enter_namespaces(const LaunchPlan& plan) {
    enter_user_namespace(plan.uid_map, plan.gid_map, plan.namespaces.ipc ? CLONE_NEWIPC : 0);
}

void enter_user_namespace(const std::vector<IdMap>& uid_map, const std::vector<IdMap>& gid_map, int more_flags) {
    int flags = CLONE_NEWUSER | CLONE_NEWNS | more_flags;
    if (!only_own_ids(uid_map, gid_map)) {
        MapperHelper helper(uid_map, gid_map);
        unshare_user_namespace(flags);
        helper.map_now();
        // newgidmap leaves setgroups(2) allowed: drop the host's supplementary groups, which
        // would show as nogroup inside, as root's login would have none.
        if (::setgroups(0, nullptr) != 0) throw_errno("setgroups in the user namespace");
        return;
    }
    unshare_user_namespace(flags);
    try {
        // An unprivileged process may map its own ids once setgroups(2) is denied
        // (user_namespaces(7)).
        write_proc_file("/proc/self/setgroups", "deny");
        write_proc_file("/proc/self/uid_map", map_lines(uid_map));
        write_proc_file("/proc/self/gid_map", map_lines(gid_map));
    } catch (const Error& error) {
        throw error.within("writing the user namespace's id maps");
    }
}

}  // namespace hpc::sandbox
