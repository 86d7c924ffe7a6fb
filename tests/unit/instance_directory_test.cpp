// Where instances are kept, and how a record is checked against what runs: the folders one
// user's, records replaced whole, a record no launcher locks removed as stale, one whose
// processes are not those that started at its times not trusted.
#include "instance/instance_directory.hpp"
#include "instance/process_stat.hpp"
#include "instance/running_instance.hpp"

#include "image_fixture.hpp"
#include "thrown_error.hpp"

#include <catch2/catch.hpp>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

using hpc::ExitCode;
using hpc::UniqueFd;
using hpc::test::error_message;
using hpc::test::TempDir;
using hpc::test::write_host_file;
using namespace hpc::instance;

namespace {

UniqueFd open_proc() { return UniqueFd(::open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC)); }

uint64_t own_start_time() {
    UniqueFd self(::open("/proc/self", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    return read_process_stat(self.get()).value().start_time;
}

// A record naming this test process as both the launcher and the init.
InstanceRecord record_of_this_process(const std::string& name, uint64_t start_time) {
    InstanceRecord record;
    record.name = name;
    record.user = "tester";
    record.pid = record.launcher = ::getpid();
    record.pid_start = record.launcher_start = start_time;
    record.image = "/images/app.sif";
    return record;
}

}  // namespace

TEST_CASE("the instances' folders: made 0700 under the home, per host and user", "[instance]") {
    TempDir home;
    InstanceDirectory directory = InstanceDirectory::open(home.path(), "node1", "alice");
    CHECK(directory.path() == home.path() + "/.hpc/instances/app/node1/alice");
    struct stat status {};
    REQUIRE(::stat(directory.path().c_str(), &status) == 0);
    CHECK((status.st_mode & 07777) == 0700);
    REQUIRE(::stat((home.path() + "/.hpc/instances/logs/node1/alice").c_str(), &status) == 0);
    CHECK((status.st_mode & 07777) == 0700);
    LogFiles logs = directory.open_logs("web");
    CHECK(logs.out_path == home.path() + "/.hpc/instances/logs/node1/alice/web.out");
    CHECK(logs.err_path == home.path() + "/.hpc/instances/logs/node1/alice/web.err");
    CHECK(logs.out);
    CHECK(logs.err);
}

TEST_CASE("the instances' folder refused when others may write it", "[instance]") {
    TempDir home;
    std::string folder = home.path() + "/.hpc/instances/app/node1/alice";
    InstanceDirectory::open(home.path(), "node1", "alice");
    REQUIRE(::chmod(folder.c_str(), 0777) == 0);
    CHECK(error_message([&] { InstanceDirectory::open(home.path(), "node1", "alice"); }, ExitCode::denied) ==
          "instances folder " + folder + ": writable by group or others (mode 0777): chmod go-w it");
}

TEST_CASE("records: written whole, listed by name, read back, a link in a record's place not followed", "[instance]") {
    TempDir home;
    InstanceDirectory directory = InstanceDirectory::open(home.path(), "n", "u");
    CHECK(directory.names().empty());
    directory.write_record(record_of_this_process("b", 1));
    directory.write_record(record_of_this_process("a", 1));
    write_host_file(directory.path() + "/notes.txt", "not a record");
    CHECK(directory.names() == std::vector<std::string>{"a", "b"});
    CHECK(parse_record(directory.read_record("a").value(), "a") == record_of_this_process("a", 1));
    CHECK_FALSE(directory.read_record("missing"));
    directory.remove_record("a");
    CHECK(directory.names() == std::vector<std::string>{"b"});
    REQUIRE(::symlink("/etc/passwd", (directory.path() + "/evil.json").c_str()) == 0);
    CHECK(error_message([&] { directory.read_record("evil"); }, ExitCode::os).starts_with(
        "instance record " + directory.path() + "/evil.json: "));
}

TEST_CASE("an instance's lock: one holder, and a record no one locks is stale and removed when looked at", "[instance]") {
    TempDir home;
    InstanceDirectory directory = InstanceDirectory::open(home.path(), "n", "u");
    UniqueFd proc = open_proc();
    directory.write_record(record_of_this_process("old", own_start_time()));
    CHECK_FALSE(find_running(directory, "old", proc.get()));
    CHECK_FALSE(directory.read_record("old"));
    CHECK(::access((directory.path() + "/old.lock").c_str(), F_OK) != 0);

    std::optional<UniqueFd> lock = directory.take_lock("live");
    REQUIRE(lock);
    CHECK(directory.is_locked("live"));
    CHECK_FALSE(directory.take_lock("live"));
    CHECK_FALSE(find_running(directory, "live", proc.get()));  // locked, no record yet: starting
    directory.write_record(record_of_this_process("live", own_start_time()));
    std::optional<RunningInstance> running = find_running(directory, "live", proc.get());
    REQUIRE(running);
    CHECK(running->record.pid == ::getpid());
    CHECK(running->launcher);
    CHECK(running->init_process);
    CHECK(find_running_matching(directory, "l*", proc.get()).size() == 1);
    CHECK(find_running_matching(directory, "x*", proc.get()).empty());
    lock.reset();
    CHECK_FALSE(directory.is_locked("live"));
}

TEST_CASE("a locked record whose processes started at other times is not trusted, nor removed", "[instance]") {
    TempDir home;
    InstanceDirectory directory = InstanceDirectory::open(home.path(), "n", "u");
    UniqueFd proc = open_proc();
    std::optional<UniqueFd> lock = directory.take_lock("reused");
    REQUIRE(lock);
    directory.write_record(record_of_this_process("reused", own_start_time() + 1));
    CHECK_FALSE(find_running(directory, "reused", proc.get()));
    CHECK(directory.read_record("reused"));
}
