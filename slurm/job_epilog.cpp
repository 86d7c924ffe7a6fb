#include "slurm/job_epilog.hpp"

#include "common/directory_names.hpp"
#include "common/error.hpp"
#include "common/remove_tree.hpp"
#include "common/unique_fd.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <memory>
#include <cstdlib>
#include <optional>

namespace hpc::slurm {
namespace {

std::optional<std::string> link_target(const std::string& path) {
    char buffer[4096];
    ssize_t length = ::readlink(path.c_str(), buffer, sizeof buffer);
    if (length < 0) return std::nullopt;
    return std::string(buffer, static_cast<size_t>(length));
}

struct FileIdentity {
    dev_t device;
    ino_t inode;
    bool operator==(const FileIdentity&) const = default;
};

std::optional<FileIdentity> identity(const std::string& path) {
    struct stat status {};
    if (::stat(path.c_str(), &status) != 0) return std::nullopt;
    return FileIdentity{status.st_dev, status.st_ino};
}

// Whether the NUL-separated environment at `environ_path` holds `entry` exactly. Read in pieces,
// never held whole: a process's environment is as large as its user made it, and root reads it
// here. Only the entry being compared is kept, at most as long as `entry`.
bool environment_has(const std::string& environ_path, const std::string& entry) {
    UniqueFd file(::open(environ_path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!file) return false;
    std::string current;   // the entry being read, up to entry.size() bytes
    bool longer = false;   // it went on past that: it cannot be `entry`
    char buffer[64 * 1024];
    for (;;) {
        ssize_t got = ::read(file.get(), buffer, sizeof buffer);
        if (got < 0 && errno == EINTR) continue;
        if (got <= 0) break;
        for (const char* byte = buffer; byte < buffer + got; ++byte) {
            if (*byte == '\0') {
                if (!longer && current == entry) return true;
                current.clear();
                longer = false;
            } else if (current.size() < entry.size()) {
                current.push_back(*byte);
            } else {
                longer = true;
            }
        }
    }
    return !longer && current == entry;  // a last entry without its NUL
}

// pidfd_open(2) has no glibc wrapper in Debian 12's headers usable from C++.
UniqueFd open_process(pid_t pid) { return UniqueFd(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0))); }

// The directory at `path`, which root or the admin owns (the stage directory, /tmp, /run/user),
// held for the *at() calls below it; nullopt when it is not there.
std::optional<UniqueFd> open_base(const std::string& path) {
    UniqueFd directory(::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!directory && errno == ENOENT) return std::nullopt;
    if (!directory) throw_errno("open " + path);
    return directory;
}

// Removes the job user's tree `name` in `base` (held, named `base_path`), never by a path name:
// the user may change it meanwhile (common/remove_tree.hpp).
void remove_job_tree(int base, const std::string& base_path, const std::string& name, uid_t uid, EpilogReport& report) {
    TreeRemoval removal = remove_tree_beneath(base, base_path, name, uid);
    if (removal.removed) report.removed.push_back(base_path + "/" + name);
    for (std::string& line : removal.left) report.left.push_back(std::move(line));
}

// The API socket directories of the job's slirp4netns in `base`, the job user's, which earlier
// versions of hpc made on disk (named after the job) and a killed launch left. hpc now keeps that
// socket in a tmpfs of the launch's own mount namespace (sandbox/run/slirp_network.cpp): this cleans
// up after launches of an older hpc on a node upgraded under running jobs.
void remove_slirp_directories(int base, const std::string& base_path, const SlurmJob& job, EpilogReport& report) {
    std::string prefix = "hpc-slirp-job" + job.id + ".";
    std::vector<std::string> names;
    try {
        names = directory_names(base, TreeLimits{}.entries);
    } catch (const Error& error) {
        throw error.within("looking for the job's slirp4netns directories in " + base_path);
    }
    for (const std::string& name : names)
        if (name.starts_with(prefix)) remove_job_tree(base, base_path, name, job.uid, report);
}

// /run/user/UID, the job user's own, held when it is that user's directory (not a link).
std::optional<UniqueFd> open_runtime_directory(uid_t uid) {
    std::optional<UniqueFd> run_user = open_base("/run/user");
    if (!run_user) return std::nullopt;
    UniqueFd directory(::openat(run_user->get(), std::to_string(uid).c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    struct stat status {};
    if (!directory || ::fstat(directory.get(), &status) != 0 || status.st_uid != uid) return std::nullopt;
    return directory;
}

}  // namespace

std::vector<Leftover> leftover_processes(const std::string& proc, const std::string& job_id, uid_t uid,
                                      const std::string& own_executable, const std::string& host_user_namespace) {
    std::vector<Leftover> found;
    std::unique_ptr<DIR, int (*)(DIR*)> directory(::opendir(proc.c_str()), ::closedir);
    if (!directory) throw_errno("open " + proc);
    std::optional<FileIdentity> hpc = identity(own_executable);
    std::string tag = "SLURM_JOB_ID=" + job_id;
    while (const dirent* entry = ::readdir(directory.get())) {
        char* end = nullptr;
        long pid = std::strtol(entry->d_name, &end, 10);
        if (pid <= 0 || *end != '\0' || pid == ::getpid()) continue;
        UniqueFd process = open_process(static_cast<pid_t>(pid));
        if (!process) continue;  // gone
        std::string base = proc + "/" + entry->d_name;
        struct stat status {};
        if (::stat(base.c_str(), &status) != 0 || status.st_uid != uid) continue;
        if (!environment_has(base + "/environ", tag)) continue;
        bool contained = link_target(base + "/ns/user").value_or(host_user_namespace) != host_user_namespace;
        if (contained || (hpc && identity(base + "/exe") == hpc)) found.push_back({static_cast<pid_t>(pid), std::move(process)});
    }
    return found;
}

EpilogReport run_epilog(const SlurmJob& job, const site::SiteConfig& site) {
    EpilogReport report;
    std::string own_executable = link_target("/proc/self/exe").value_or("");
    std::string host_user_namespace = link_target("/proc/self/ns/user").value_or("");
    // A process may fork while its siblings are ended: look again until none is left.
    for (int round = 0; round < 50; ++round) {
        std::vector<Leftover> leftovers =
            leftover_processes("/proc", job.id, job.uid, own_executable, host_user_namespace);
        if (leftovers.empty()) break;
        for (const Leftover& leftover : leftovers)
            if (::syscall(SYS_pidfd_send_signal, leftover.process.get(), SIGKILL, nullptr, 0) == 0)
                ++report.processes_ended;
        ::usleep(20000);
    }
    if (!site.slurm.stage_directory.empty())
        if (std::optional<UniqueFd> stage = open_base(site.slurm.stage_directory))
            remove_job_tree(stage->get(), site.slurm.stage_directory, job_folder_name(job.id), job.uid, report);
    if (std::optional<UniqueFd> tmp = open_base("/tmp")) remove_slirp_directories(tmp->get(), "/tmp", job, report);
    if (std::optional<UniqueFd> runtime = open_runtime_directory(job.uid))
        remove_slirp_directories(runtime->get(), "/run/user/" + std::to_string(job.uid), job, report);
    return report;
}

}  // namespace hpc::slurm
