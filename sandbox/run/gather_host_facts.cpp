#include "sandbox/run/gather_host_facts.hpp"

#include "common/error.hpp"
#include "common/process_environment.hpp"
#include "common/read_to_end.hpp"
#include "common/unique_fd.hpp"
#include "sandbox/run/read_subordinate_ids.hpp"

#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <climits>
#include <cstdio>
#include <functional>
#include <cstdlib>
#include <cstring>
#include <string_view>

namespace hpc::sandbox {
namespace {

std::string group_name(gid_t gid) {
    if (const struct group* entry = ::getgrgid(gid)) return entry->gr_name;
    return std::to_string(gid);
}

UserIdentity current_user() {
    UserIdentity user;
    user.uid = ::getuid();
    user.gid = ::getgid();
    const struct passwd* entry = ::getpwuid(user.uid);
    if (!entry)
        throw Error(ExitCode::config, "user " + std::to_string(user.uid) +
                                          " has no passwd entry (getpwuid found none)");
    user.name = entry->pw_name;
    user.gecos = entry->pw_gecos ? entry->pw_gecos : "";
    user.home = entry->pw_dir;
    user.shell = entry->pw_shell;
    // Only the primary group: a user namespace made without privilege maps no other, so the
    // container could not show them. getgrouplist(3) would also ask every NSS source for
    // every group, which costs more than the rest of the launch's preparation.
    user.groups.push_back({user.gid, group_name(user.gid)});
    return user;
}

bool same_file(const char* a, const char* b) {
    struct stat first {}, second {};
    return ::stat(a, &first) == 0 && ::stat(b, &second) == 0 && first.st_dev == second.st_dev &&
           first.st_ino == second.st_ino;
}

// Like a shell's `pwd`: $PWD when it is absolute and names the working directory (it keeps
// the symlinks the user went through, e.g. /home/alice when /home -> /data/home), else getcwd.
std::string logical_cwd() {
    const char* pwd = ::getenv("PWD");
    if (pwd && pwd[0] == '/' && same_file(pwd, ".")) return pwd;
    char buffer[PATH_MAX];
    if (!::getcwd(buffer, sizeof buffer))
        throw_errno("find the working directory to carry into the container (getcwd)");
    return buffer;
}

// The host's mount table, /proc/self/mountinfo, as a digest: any mount or unmount changes it.
std::string mount_table_digest() {
    UniqueFd table(::open("/proc/self/mountinfo", O_RDONLY | O_CLOEXEC));
    if (!table) return {};
    BoundedRead read = read_to_end(table.get(), 16 * 1024 * 1024);
    char digest[24];
    std::snprintf(digest, sizeof digest, "%zx", std::hash<std::string>{}(read.bytes));
    return digest;
}

std::string controlling_terminal() {
    for (int fd : {STDIN_FILENO, STDOUT_FILENO, STDERR_FILENO})
        if (::isatty(fd))
            if (const char* name = ::ttyname(fd)) return name;
    return {};
}

// Whether the parent process is slurmstepd, by its command name (which slurmstepd's process
// title leaves alone). A process may name itself so: it changes only how long this user's own
// server lingers.
bool started_by_slurmstepd() {
    UniqueFd comm(::open(("/proc/" + std::to_string(::getppid()) + "/comm").c_str(), O_RDONLY | O_CLOEXEC));
    if (!comm) return false;
    char name[32] = {};
    ssize_t length = ::read(comm.get(), name, sizeof name - 1);
    return length > 0 && std::string_view(name, static_cast<std::size_t>(length)) == "slurmstepd\n";
}

std::optional<std::string> canonical_host_path(const std::string& path) {
    char resolved[PATH_MAX];
    if (!::realpath(path.c_str(), resolved)) return std::nullopt;
    return std::string(resolved);
}

}  // namespace

HostFacts gather_host_facts() {
    HostFacts facts;
    facts.user = current_user();
    facts.cwd = logical_cwd();
    facts.environ = process_environment();
    facts.terminal = controlling_terminal();
    facts.slurm_task = started_by_slurmstepd();
    facts.mount_table = mount_table_digest;
    facts.canonical = canonical_host_path;
    facts.is_directory = [](const std::string& path) {
        struct stat status {};
        return ::stat(path.c_str(), &status) == 0 && S_ISDIR(status.st_mode);
    };
    facts.subordinate_ids = [name = facts.user.name] { return read_subordinate_ids(name); };
    facts.mpi = [](const mpi::HostMpiQuery& query) { return mpi::find_host_mpi(mpi::host_file_view(), query); };
    facts.gpu = [](const gpu::GpuQuery& query) { return gpu::find_host_gpu(gpu::host_gpu_view(), query); };
    facts.cdi = gpu::read_cdi_devices;
    return facts;
}

}  // namespace hpc::sandbox
