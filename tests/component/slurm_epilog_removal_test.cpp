// The epilog's removal of a job's files (slurm/job_epilog.hpp) against the job's user, who owns
// those trees and may change them while root removes them (issue 14): a directory swapped for a
// link to root's own directory in a loop (renameat2 RENAME_EXCHANGE), and links planted where the
// epilog and the prolog look. Root must never remove, nor give away, anything outside the tree.
#include "image_fixture.hpp"
#include "slurm/job_epilog.hpp"
#include "slurm/job_prolog.hpp"

#include <catch2/catch.hpp>

#include <fcntl.h>
#include <grp.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <filesystem>
#include <stdexcept>
#include <string>

using namespace hpc::slurm;

namespace {

constexpr uid_t user = 65534;  // nobody: owns the job's trees, and cannot write root's victim
constexpr gid_t user_group = 65534;
constexpr int files = 64;      // in the user's subdirectory and in the victim, with the same names

std::string file_name(int index) { return "file-" + std::to_string(index); }

void require(bool ok, const std::string& what) {
    if (!ok) throw std::runtime_error(what);
}

bool exists(const std::string& path) {
    struct stat status {};
    return ::lstat(path.c_str(), &status) == 0;
}

// `directory` (made) holding `files` files, all `owner`'s.
void make_filled_directory(const std::string& directory, uid_t owner, gid_t owner_group, mode_t mode) {
    require(::mkdir(directory.c_str(), mode) == 0 || errno == EEXIST, "mkdir " + directory);
    for (int index = 0; index < files; ++index) {
        std::string path = directory + "/" + file_name(index);
        hpc::test::write_host_file(path, "x", 0600);
        require(::lchown(path.c_str(), owner, owner_group) == 0, "chown " + path);
    }
    require(::chown(directory.c_str(), owner, owner_group) == 0 && ::chmod(directory.c_str(), mode) == 0, "chown " + directory);
}

int surviving_files(const std::string& directory) {
    int count = 0;
    for (int index = 0; index < files; ++index) count += exists(directory + "/" + file_name(index));
    return count;
}

// The job user's tree at `directory` (made): `sub` with the victim's file names, and `link`, a
// link to the victim.
void make_user_tree(const std::string& directory, const std::string& victim) {
    make_filled_directory(directory + "/sub", user, user_group, 0755);
    std::string link = directory + "/link";
    require(::symlink(victim.c_str(), link.c_str()) == 0 && ::lchown(link.c_str(), user, user_group) == 0, "symlink " + link);
    require(::chown(directory.c_str(), user, user_group) == 0 && ::chmod(directory.c_str(), 0700) == 0, "chown " + directory);
}

// A child that is the job's user alone and swaps `sub` and `link` in `directory` until killed.
pid_t start_swapper(const std::string& directory, int ready_fd) {
    pid_t pid = ::fork();
    if (pid == 0) {
        if (::chdir(directory.c_str()) != 0 || ::setgroups(0, nullptr) != 0 || ::setgid(user_group) != 0 || ::setuid(user) != 0)
            ::_exit(111);
        bool told = false;
        for (;;) {
            if (::renameat2(AT_FDCWD, "sub", AT_FDCWD, "link", RENAME_EXCHANGE) == 0 && !told) {
                told = ::write(ready_fd, "s", 1) == 1;
            }
        }
    }
    return pid;
}

void stop(pid_t pid) {
    ::kill(pid, SIGKILL);
    int status = 0;
    ::waitpid(pid, &status, 0);
}

struct RaceOutcome {
    int rounds_with_loss = 0;  // rounds in which root removed some of the victim's files
    int trees_left = 0;        // rounds after which the user's tree was still there
};

// `rounds` epilogs, each while the user swaps: `make_directory(round)` makes the job's directory
// where the epilog looks for it and returns its path; the victim is refilled after a loss.
template <typename MakeDirectory>
RaceOutcome race_epilog(int rounds, const std::string& victim, const hpc::site::SiteConfig& site,
                        const std::string& first_job, MakeDirectory make_directory) {
    RaceOutcome outcome;
    for (int round = 0; round < rounds; ++round) {
        SlurmJob job{std::to_string(std::stoul(first_job) + static_cast<unsigned long>(round)), user, user_group, "", false};
        std::string directory = make_directory(job.id);
        make_user_tree(directory, victim);
        int ready[2];
        require(::pipe2(ready, O_CLOEXEC) == 0, "pipe");
        pid_t swapper = start_swapper(directory, ready[1]);
        ::close(ready[1]);
        char byte = 0;
        bool swapping = ::read(ready[0], &byte, 1) == 1;  // it swapped once: it is in its loop
        ::close(ready[0]);
        std::string left;
        try {
            for (const std::string& line : run_epilog(job, site).left) left += line + "\n";
        } catch (const std::exception& error) {
            left += error.what();  // a failure to remove: counted below by what is left
        }
        stop(swapper);
        REQUIRE(swapping);
        if (surviving_files(victim) != files) {
            ++outcome.rounds_with_loss;
            make_filled_directory(victim, 0, 0, 0700);
        }
        if (exists(directory)) {
            ++outcome.trees_left;
            WARN("round " << round << " left " << directory << ":\n" << left);
            std::error_code ignored;
            std::filesystem::remove_all(directory, ignored);  // links are not followed
        }
    }
    return outcome;
}

}  // namespace

TEST_CASE("slurm epilog: a job user who swaps a directory for a link to root's own while the epilog removes "
          "their tree never makes root remove outside it",
          "[slurm][root]") {
    if (::geteuid() != 0) {
        WARN("SKIPPED: needs root, to remove another user's tree as slurmd's epilog does");  // Catch2 2 has no SKIP
        return;
    }
    hpc::test::TempDir area;
    REQUIRE(::chmod(area.path().c_str(), 0755) == 0);
    std::string victim = area.path() + "/victim";  // root's, 0700: the user can neither read nor write it
    make_filled_directory(victim, 0, 0, 0700);
    hpc::site::SiteConfig site;
    site.slurm.stage_directory = area.path() + "/stage";
    REQUIRE(::mkdir(site.slurm.stage_directory.c_str(), 0755) == 0);
    std::string first_job = std::to_string(500000 + (::getpid() % 10000) * 100);

    SECTION("the stage directory's job folder") {
        RaceOutcome outcome = race_epilog(50, victim, site, first_job, [&](const std::string& job_id) {
            std::string directory = job_stage_directory(site.slurm.stage_directory, job_id);
            require(::mkdir(directory.c_str(), 0700) == 0, "mkdir " + directory);
            return directory;
        });
        INFO("rounds in which root removed the victim's files: " << outcome.rounds_with_loss << " of 50");
        CHECK(outcome.rounds_with_loss == 0);
        CHECK(outcome.trees_left == 0);
    }
    SECTION("a slirp4netns API directory in /tmp") {
        RaceOutcome outcome = race_epilog(50, victim, site, first_job, [&](const std::string& job_id) {
            std::string directory = "/tmp/hpc-slirp-job" + job_id + ".XXXXXX";
            require(::mkdtemp(directory.data()) != nullptr, "mkdtemp " + directory);
            return directory;
        });
        INFO("rounds in which root removed the victim's files: " << outcome.rounds_with_loss << " of 50");
        CHECK(outcome.rounds_with_loss == 0);
        CHECK(outcome.trees_left == 0);
    }
    CHECK(surviving_files(victim) == files);
}

TEST_CASE("slurm epilog and prolog: a link planted as the job folder or a slirp4netns directory is not followed",
          "[slurm]") {
    // As root, the link is the job user's (nobody's) and points at root's own directory; as
    // anyone else, the job is the caller's and only the not-following is checked.
    bool root = ::geteuid() == 0;
    uid_t job_user = root ? user : ::getuid();
    gid_t job_group = root ? user_group : ::getgid();
    hpc::test::TempDir area;
    REQUIRE(::chmod(area.path().c_str(), 0755) == 0);
    std::string victim = area.path() + "/victim";
    make_filled_directory(victim, ::getuid(), ::getgid(), 0700);
    hpc::site::SiteConfig site;
    site.slurm.stage_directory = area.path() + "/stage";
    REQUIRE(::mkdir(site.slurm.stage_directory.c_str(), 0755) == 0);
    SlurmJob job{std::to_string(400000 + ::getpid() % 100000), job_user, job_group, "", false};

    std::string job_folder = job_stage_directory(site.slurm.stage_directory, job.id);
    std::string slirp = "/tmp/hpc-slirp-job" + job.id + ".planted";
    for (const std::string& link : {job_folder, slirp})
        REQUIRE((::symlink(victim.c_str(), link.c_str()) == 0 && ::lchown(link.c_str(), job_user, job_group) == 0));

    SECTION("the epilog removes nothing through them") {
        EpilogReport report = run_epilog(job, site);
        CHECK(report.removed.empty());
    }
    SECTION("the prolog neither stages into nor gives away what the job folder's link points at") {
        const hpc::test::ImageFixture& fixture = hpc::test::ImageFixture::get();
        job.image = fixture.image;
        job.stage = true;
        CHECK_THROWS_WITH(run_prolog(job, site), job_folder + ": already there, and not the job user's directory");
        CHECK_FALSE(exists(victim + "/" + fixture.image.substr(fixture.image.rfind('/') + 1)));
    }
    CHECK(surviving_files(victim) == files);
    struct stat status {};
    REQUIRE(::stat(victim.c_str(), &status) == 0);
    CHECK(status.st_uid == ::getuid());
    CHECK((status.st_mode & 07777) == 0700);
    ::unlink(slirp.c_str());
}
