#include "slurm/job_prolog.hpp"

#include "common/error.hpp"
#include "common/pipe.hpp"
#include "common/read_to_end.hpp"
#include "common/unique_fd.hpp"
#include "image/tree/image_file.hpp"
#include "image/tree/image_tree.hpp"

#include <fcntl.h>
#include <grp.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <functional>

namespace hpc::slurm {
namespace {

// The site's stage directory, made (root's, 0755) when missing, and held: what is made and
// copied below it goes through this descriptor. One the admin made, such as a scratch file
// system's mount point, is left as it is (its path is the admin's, so a link in it is followed).
UniqueFd open_stage_directory(const std::string& path) {
    if (::mkdir(path.c_str(), 0755) != 0 && errno != EEXIST) throw_errno("create " + path);
    UniqueFd directory(::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!directory && errno == ENOTDIR) throw Error(ExitCode::config, path + ": slurm.stage_directory is not a directory");
    if (!directory) throw_errno("open " + path);
    // The job's folder is made there as root's and then given to the job's user: where others may
    // rename in it (writable, not sticky) or its owner is another, a user could swap another job's
    // folder, made a moment earlier and not yet given away, under their own job's name first.
    struct stat status {};
    if (::fstat(directory.get(), &status) != 0) throw_errno("stat " + path);
    if (status.st_uid != ::geteuid())
        throw Error(ExitCode::config, path + ": slurm.stage_directory is owned by uid " + std::to_string(status.st_uid) +
                                          ", not by root: its owner could swap the jobs' folders in it");
    if ((status.st_mode & (S_IWGRP | S_IWOTH)) != 0 && (status.st_mode & S_ISVTX) == 0)
        throw Error(ExitCode::config, path + ": slurm.stage_directory is writable by others without the sticky bit "
                                             "(chmod +t): a user could swap the jobs' folders in it");
    return directory;
}

// The job's folder in the stage directory (`path` names it), the job user's alone, held. One
// already there is taken only when it is that user's directory (a requeued job's earlier prolog
// made it): never a link, never what another made. The stage directory may be one that users can
// write (a scratch file system), so the folder is opened once without following a link, checked,
// and given to the user by its descriptor (fchown), never by name.
UniqueFd open_job_folder(int stage, const std::string& name, const std::string& path, uid_t uid, gid_t gid) {
    bool made = ::mkdirat(stage, name.c_str(), 0700) == 0;
    if (!made && errno != EEXIST) throw_errno("create " + path);
    Error not_the_users(ExitCode::denied, path + ": already there, and not the job user's directory");
    UniqueFd folder(::openat(stage, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!folder && (errno == ELOOP || errno == ENOTDIR)) throw not_the_users;  // a link or a file
    if (!folder) throw_errno("open " + path);
    struct stat status {};
    if (::fstat(folder.get(), &status) != 0) throw_errno("stat " + path);
    if (status.st_uid == uid) return folder;
    // To be given away only when this prolog made it (root's, as mkdirat made it).
    if (!made || status.st_uid != ::geteuid()) throw not_the_users;
    if (::fchown(folder.get(), uid, gid) != 0) throw_errno("give " + path + " to uid " + std::to_string(uid));
    return folder;
}

// Copies the file open as `in` (named `source`), the very file that was checked, to `name` in
// `folder` (`path` names it), as the job's user: through the folder's descriptor, never
// following a link planted there.
void copy_file(int in, const std::string& source, int folder, const std::string& name, const std::string& path) {
    // Written beside and renamed: a task never sees half a copy as the image. One an earlier
    // prolog of a requeued job left is removed first, so that O_EXCL makes a new file.
    std::string partial = name + ".partial";
    if (::unlinkat(folder, partial.c_str(), 0) != 0 && errno != ENOENT) throw_errno("remove " + path + ".partial");
    UniqueFd out(::openat(folder, partial.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
    if (!out) throw_errno("create " + path + ".partial");
    // copy_file_range first (a reflink or a server-side copy where the file system has one); since
    // Linux 5.19 it refuses two file systems of different kinds (EXDEV: an image on NFS or Lustre,
    // a stage directory on a local disk or tmpfs), where sendfile, which copies between any two
    // regular files, carries on from where it stopped.
    bool ranges = true;
    for (loff_t from = 0;;) {  // from its start, whatever the checks left its offset at
        constexpr size_t chunk = size_t{1} << 30;
        ssize_t copied = ranges ? ::copy_file_range(in, &from, out.get(), nullptr, chunk, 0)
                                : ::sendfile(out.get(), in, &from, chunk);
        if (copied < 0 && ranges && (errno == EXDEV || errno == EOPNOTSUPP || errno == ENOSYS || errno == EINVAL)) {
            ranges = false;
            continue;
        }
        if (copied < 0) throw_errno("copy " + source + " to " + path + ".partial");
        if (copied == 0) break;
    }
    if (::close(out.release()) != 0) throw_errno("write " + path + ".partial");
    if (::renameat(folder, partial.c_str(), folder, name.c_str()) != 0) throw_errno("rename " + path + ".partial");
}

// Runs `work` in a child that is the job's user alone (no root, no root's groups), so that it
// reads only what the user may; the child's hpc::Error message comes back, or "" on success.
// A caller that is already that user (a test) stays as it is.
std::string as_job_user(const SlurmJob& job, const std::function<void()>& work) {
    Pipe report("the report of the work done as the job's user");
    pid_t child = ::fork();
    if (child < 0) throw_errno("fork a process to act as the job's user (uid " + std::to_string(job.uid) + ")");
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
    // The child's one message: a longer one is cut, and the pipe closed before the wait, so that
    // a child still writing the rest is not left blocked.
    constexpr std::size_t max_message_bytes = 64 * 1024;
    std::string message = read_to_end(report.read.get(), max_message_bytes).bytes;
    report.read.reset();
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
    UniqueFd folder;
    if (staging) {
        UniqueFd stage = open_stage_directory(site.slurm.stage_directory);
        folder = open_job_folder(stage.get(), job_folder_name(job.id), job_stage_directory(site.slurm.stage_directory, job.id),
                                 job.uid, job.gid);
    }
    std::string problem = as_job_user(job, [&] {
        image::ImageFile image = image::ImageFile::open(job.image);
        image::open_tree(image);  // the squashfs superblock and its tables within the file
        if (staging)
            copy_file(image.fd(), job.image, folder.get(), staged_image_name(job.image),
                      staged_image_path(site.slurm.stage_directory, job.id, job.image));
    });
    if (!problem.empty()) problems.push_back(problem);
    if (job.stage && site.slurm.stage_directory.empty())
        problems.push_back("--hpc-stage: this site has no slurm.stage_directory; the image is read where it is");
    return problems;
}

}  // namespace hpc::slurm
