// The prolog's check and staging of a job's image, the task's finding of the staged copy, and the
// epilog's removal of it (slurm/job_prolog.hpp, slurm/job_epilog.hpp), run as the test's own user.
#include "image_fixture.hpp"
#include "slurm/job_epilog.hpp"
#include "slurm/job_prolog.hpp"

#include <catch2/catch.hpp>

#include <sys/stat.h>
#include <unistd.h>

using namespace hpc::slurm;

namespace {

SlurmJob job_of_mine(std::string image, bool stage) {
    return SlurmJob{std::to_string(700000 + ::getpid()), ::getuid(), ::getgid(), std::move(image), stage};
}

bool exists(const std::string& path) {
    struct stat status {};
    return ::lstat(path.c_str(), &status) == 0;
}

}  // namespace

TEST_CASE("slurm prolog: a staged job's image is copied for its tasks, and the epilog removes it", "[slurm]") {
    const hpc::test::ImageFixture& fixture = hpc::test::ImageFixture::get();
    hpc::test::TempDir area;
    hpc::site::SiteConfig site;
    site.slurm.stage_directory = area.path() + "/stage";  // made by the prolog
    SlurmJob job = job_of_mine(fixture.image, true);

    CHECK(run_prolog(job, site).empty());
    std::string staged = staged_image_path(site.slurm.stage_directory, job.id, fixture.image);
    CHECK(hpc::test::read_host_file(staged) == hpc::test::read_host_file(fixture.image));
    CHECK(staged_image(site.slurm.stage_directory, job.id, fixture.image, ::getuid()) == staged);
    CHECK_FALSE(staged_image(site.slurm.stage_directory, job.id, fixture.image, ::getuid() + 1));
    CHECK_FALSE(staged_image("", job.id, fixture.image, ::getuid()));
    CHECK_FALSE(exists(staged + ".partial"));

    EpilogReport report = run_epilog(job, site);
    CHECK(report.removed == std::vector<std::string>{job_stage_directory(site.slurm.stage_directory, job.id)});
    CHECK_FALSE(exists(job_stage_directory(site.slurm.stage_directory, job.id)));
    CHECK(exists(site.slurm.stage_directory));  // the site's own stays
}

TEST_CASE("slurm prolog: a stage directory on another file system gets a whole copy too", "[slurm]") {
    // copy_file_range refuses two file systems of different kinds since Linux 5.19 (EXDEV): the
    // image here is on the test's temporary directory, the stage directory on /dev/shm's tmpfs.
    const hpc::test::ImageFixture& fixture = hpc::test::ImageFixture::get();
    struct stat image_status {}, shm_status {};
    REQUIRE(::stat(fixture.image.c_str(), &image_status) == 0);
    REQUIRE(::stat("/dev/shm", &shm_status) == 0);
    REQUIRE(image_status.st_dev != shm_status.st_dev);
    hpc::site::SiteConfig site;
    site.slurm.stage_directory = "/dev/shm/hpc-stage-test-" + std::to_string(::getpid());
    SlurmJob job = job_of_mine(fixture.image, true);

    CHECK(run_prolog(job, site).empty());
    std::string staged = staged_image_path(site.slurm.stage_directory, job.id, fixture.image);
    CHECK(hpc::test::read_host_file(staged) == hpc::test::read_host_file(fixture.image));
    CHECK_FALSE(exists(staged + ".partial"));
    run_epilog(job, site);
    ::rmdir(site.slurm.stage_directory.c_str());
}

TEST_CASE("slurm prolog: a user's mistake is reported, not thrown, nothing is staged without a stage directory",
          "[slurm]") {
    hpc::test::TempDir area;
    hpc::test::write_host_file(area.path() + "/notes.txt", "not an image\n");
    hpc::site::SiteConfig site;
    site.slurm.stage_directory = area.path() + "/stage";
    std::vector<std::string> problems = run_prolog(job_of_mine(area.path() + "/notes.txt", true), site);
    REQUIRE(problems.size() == 1);
    CHECK(problems.front().find(area.path() + "/notes.txt: ") == 0);
    problems = run_prolog(job_of_mine(area.path() + "/missing.sif", false), site);
    REQUIRE(problems.size() == 1);
    CHECK(problems.front().find("missing.sif") != std::string::npos);
    CHECK(run_prolog(job_of_mine("", true), site).empty());  // a job without an image

    const hpc::test::ImageFixture& fixture = hpc::test::ImageFixture::get();
    CHECK(run_prolog(job_of_mine(fixture.image, true), hpc::site::SiteConfig{}) ==
          std::vector<std::string>{"--hpc-stage: this site has no slurm.stage_directory; the image is read where it is"});
}

TEST_CASE("slurm prolog: a job directory someone else made is not taken over", "[slurm]") {
    const hpc::test::ImageFixture& fixture = hpc::test::ImageFixture::get();
    hpc::test::TempDir area;
    hpc::site::SiteConfig site;
    site.slurm.stage_directory = area.path();
    SlurmJob job = job_of_mine(fixture.image, true);
    job.uid = ::getuid() == 0 ? 65534 : ::getuid() + 1;  // the job's user; the directory below is ours
    std::string directory = job_stage_directory(area.path(), job.id);
    REQUIRE(::mkdir(directory.c_str(), 0755) == 0);
    CHECK_THROWS_WITH(run_prolog(job, site), directory + ": already there, and not the job user's directory");
    struct stat status {};
    REQUIRE(::stat(directory.c_str(), &status) == 0);
    CHECK(status.st_uid == ::getuid());
}

TEST_CASE("slurm prolog: a stage directory where users could swap the jobs' folders is refused", "[slurm]") {
    const hpc::test::ImageFixture& fixture = hpc::test::ImageFixture::get();
    hpc::test::TempDir area;
    hpc::site::SiteConfig site;
    site.slurm.stage_directory = area.path() + "/stage";
    REQUIRE(::mkdir(site.slurm.stage_directory.c_str(), 0755) == 0);
    SlurmJob job = job_of_mine(fixture.image, true);
    std::string folder = job_stage_directory(site.slurm.stage_directory, job.id);
    for (mode_t open_to_others : {0777, 0775}) {
        REQUIRE(::chmod(site.slurm.stage_directory.c_str(), open_to_others) == 0);
        CHECK_THROWS_WITH(run_prolog(job, site), site.slurm.stage_directory +
                                                     ": slurm.stage_directory is writable by others without the "
                                                     "sticky bit (chmod +t): a user could swap the jobs' folders in it");
        CHECK_FALSE(exists(folder));  // refused before anything is made in it
    }
    // With the sticky bit, no one renames what root made there: a scratch area's 1777 is fine.
    REQUIRE(::chmod(site.slurm.stage_directory.c_str(), 01777) == 0);
    CHECK(run_prolog(job, site).empty());
    CHECK(exists(staged_image_path(site.slurm.stage_directory, job.id, fixture.image)));
    run_epilog(job, site);
}

TEST_CASE("slurm prolog: a stage directory another user owns is refused", "[slurm]") {
    if (::geteuid() != 0) {
        WARN("SKIPPED: giving the stage directory to another user needs root");
        return;
    }
    const hpc::test::ImageFixture& fixture = hpc::test::ImageFixture::get();
    hpc::test::TempDir area;
    hpc::site::SiteConfig site;
    site.slurm.stage_directory = area.path() + "/stage";
    REQUIRE(::mkdir(site.slurm.stage_directory.c_str(), 0755) == 0);
    REQUIRE(::chown(site.slurm.stage_directory.c_str(), 65534, 65534) == 0);
    SlurmJob job = job_of_mine(fixture.image, true);
    CHECK_THROWS_WITH(run_prolog(job, site), site.slurm.stage_directory +
                                                 ": slurm.stage_directory is owned by uid 65534, not by root: its "
                                                 "owner could swap the jobs' folders in it");
    CHECK_FALSE(exists(job_stage_directory(site.slurm.stage_directory, job.id)));
}
