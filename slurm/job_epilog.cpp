#include "slurm/job_epilog.hpp"

#include "common/error.hpp"
#include "common/unique_fd.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <ftw.h>
#include <glob.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <csignal>
#include <fstream>
#include <iterator>
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

bool environment_has(const std::string& environ_path, const std::string& entry) {
    std::ifstream file(environ_path, std::ios::binary);
    std::string content((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
    for (size_t start = 0; start < content.size();) {
        size_t end = content.find('\0', start);
        if (end == std::string::npos) end = content.size();
        if (content.compare(start, end - start, entry) == 0) return true;
        start = end + 1;
    }
    return false;
}

// pidfd_open(2) has no glibc wrapper in Debian 12's headers usable from C++.
UniqueFd open_process(pid_t pid) { return UniqueFd(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0))); }

int remove_entry(const char* path, const struct stat*, int type, struct FTW*) {
    return type == FTW_DP ? ::rmdir(path) : ::unlink(path);
}

// Removes `path` and all below it without following links; true if it existed.
bool remove_tree(const std::string& path) {
    struct stat status {};
    if (::lstat(path.c_str(), &status) != 0) return false;
    if (::nftw(path.c_str(), remove_entry, 16, FTW_DEPTH | FTW_PHYS) != 0) throw_errno("remove " + path);
    return true;
}

// The API socket directories of the job's slirp4netns (sandbox/slirp_network.cpp names them after
// the job), owned by the job's user: left when a launch was killed before it removed its own.
std::vector<std::string> slirp_directories(const SlurmJob& job) {
    std::vector<std::string> found;
    for (std::string base : {std::string("/tmp"), "/run/user/" + std::to_string(job.uid)}) {
        glob_t matches{};
        std::string pattern = base + "/hpc-slirp-job" + job.id + ".*";
        if (::glob(pattern.c_str(), GLOB_NOSORT, nullptr, &matches) == 0)
            for (size_t index = 0; index < matches.gl_pathc; ++index) {
                struct stat status {};
                if (::lstat(matches.gl_pathv[index], &status) == 0 && S_ISDIR(status.st_mode) && status.st_uid == job.uid)
                    found.emplace_back(matches.gl_pathv[index]);
            }
        ::globfree(&matches);
    }
    return found;
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
    if (!site.slurm.stage_directory.empty()) {
        std::string staged = job_stage_directory(site.slurm.stage_directory, job.id);
        if (remove_tree(staged)) report.removed.push_back(staged);
    }
    for (const std::string& directory : slirp_directories(job))
        if (remove_tree(directory)) report.removed.push_back(directory);
    return report;
}

}  // namespace hpc::slurm
