#include "slurm/job_prolog.hpp"

#include "common/error.hpp"
#include "common/pipe.hpp"
#include "image/image_file.hpp"
#include "image/image_tree.hpp"

#include <fcntl.h>
#include <grp.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <functional>

namespace hpc::slurm {
namespace {

// The site's stage directory, made (root's, 0755) when missing; one the admin made, such as a
// scratch file system's mount point, is left as it is.
void make_stage_directory(const std::string& path) {
    if (::mkdir(path.c_str(), 0755) != 0 && errno != EEXIST) throw_errno("create " + path);
    struct stat status {};
    if (::stat(path.c_str(), &status) != 0) throw_errno("stat " + path);
    if (!S_ISDIR(status.st_mode)) throw Error(ExitCode::config, path + ": slurm.stage_directory is not a directory");
}

// The job's directory in it, the job user's alone. One already there is taken only when it is
// that user's directory (a requeued job's earlier prolog made it): never chown what another made.
void make_job_directory(const std::string& path, uid_t uid, gid_t gid) {
    if (::mkdir(path.c_str(), 0700) == 0) {
        if (::lchown(path.c_str(), uid, gid) != 0) throw_errno("give " + path + " to uid " + std::to_string(uid));
        return;
    }
    if (errno != EEXIST) throw_errno("create " + path);
    struct stat status {};
    if (::lstat(path.c_str(), &status) != 0 || !S_ISDIR(status.st_mode) || status.st_uid != uid)
        throw Error(ExitCode::denied, path + ": already there, and not the job user's directory");
}

void copy_file(const std::string& source, const std::string& destination) {
    UniqueFd in(::open(source.c_str(), O_RDONLY | O_CLOEXEC));
    if (!in) throw_errno("open " + source);
    // Written beside and renamed: a task never sees half a copy as the image.
    std::string partial = destination + ".partial";
    UniqueFd out(::open(partial.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
    if (!out) throw_errno("create " + partial);
    for (;;) {
        ssize_t copied = ::copy_file_range(in.get(), nullptr, out.get(), nullptr, 1 << 30, 0);
        if (copied < 0) throw_errno("copy " + source + " to " + partial);
        if (copied == 0) break;
    }
    if (::close(out.release()) != 0) throw_errno("write " + partial);
    if (::rename(partial.c_str(), destination.c_str()) != 0) throw_errno("rename " + partial);
}

// Runs `work` in a child that is the job's user alone (no root, no root's groups), so that it
// reads only what the user may; the child's hpc::Error message comes back, or "" on success.
// A caller that is already that user (a test) stays as it is.
std::string as_job_user(const SlurmJob& job, const std::function<void()>& work) {
    Pipe report;
    pid_t child = ::fork();
    if (child < 0) throw_errno("fork");
    if (child == 0) {
        report.read.reset();
        std::string message;
        try {
            bool is_job_user = ::getuid() == job.uid && ::geteuid() == job.uid;
            if (!is_job_user && (::setgroups(0, nullptr) != 0 || ::setgid(job.gid) != 0 || ::setuid(job.uid) != 0))
                throw_errno("become uid " + std::to_string(job.uid));
            work();
        } catch (const std::exception& error) {
            message = error.what();
        }
        if (!message.empty() && ::write(report.write.get(), message.data(), message.size()) < 0) ::_exit(2);
        ::_exit(message.empty() ? 0 : 1);
    }
    report.write.reset();
    std::string message;
    char buffer[512];
    for (ssize_t got; (got = ::read(report.read.get(), buffer, sizeof buffer)) != 0;) {
        if (got < 0 && errno == EINTR) continue;
        if (got < 0) break;
        message.append(buffer, static_cast<size_t>(got));
    }
    int status = 0;
    while (::waitpid(child, &status, 0) < 0 && errno == EINTR) {
    }
    if (message.empty() && !(WIFEXITED(status) && WEXITSTATUS(status) == 0)) message = "the check ended abnormally";
    return message;
}

}  // namespace

std::vector<std::string> run_prolog(const SlurmJob& job, const site::SiteConfig& site) {
    std::vector<std::string> problems;
    if (job.image.empty()) return problems;
    bool staging = job.stage && !site.slurm.stage_directory.empty();
    std::string staged;
    if (staging) {
        make_stage_directory(site.slurm.stage_directory);
        make_job_directory(job_stage_directory(site.slurm.stage_directory, job.id), job.uid, job.gid);
        staged = staged_image_path(site.slurm.stage_directory, job.id, job.image);
    }
    std::string problem = as_job_user(job, [&] {
        image::ImageFile image = image::ImageFile::open(job.image);
        image::open_tree(image);  // the squashfs superblock and its tables within the file
        if (staging) copy_file(job.image, staged);
    });
    if (!problem.empty()) problems.push_back(problem);
    if (job.stage && site.slurm.stage_directory.empty())
        problems.push_back("--hpc-stage: this site has no slurm.stage_directory; the image is read where it is");
    return problems;
}

}  // namespace hpc::slurm
