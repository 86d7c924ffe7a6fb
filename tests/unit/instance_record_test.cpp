// What an instance is known by: its name, its record's JSON, its processes' stat lines, and the
// table `instance list` prints.
#include "cmd/text_table.hpp"
#include "instance/instance_name.hpp"
#include "instance/instance_record.hpp"
#include "instance/process_stat.hpp"

#include "thrown_error.hpp"

#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

using hpc::ExitCode;
using hpc::test::error_message;
using namespace hpc::instance;

namespace {

InstanceRecord sample_record() {
    InstanceRecord record;
    record.name = "web.1";
    record.user = "alice";
    record.pid = 4242;
    record.pid_start = 987654;
    record.launcher = 4240;
    record.launcher_start = 987650;
    record.image = "/data/app.sif";
    record.ip = "10.0.2.100";
    record.log_out = "/home/alice/.hpc/instances/logs/n1/alice/web.1.out";
    record.log_err = "/home/alice/.hpc/instances/logs/n1/alice/web.1.err";
    record.fakeroot = true;
    record.slurm_job = "77";
    record.started = 1764900000;
    return record;
}

}  // namespace

TEST_CASE("instance names: Apptainer's characters, bounded", "[instance]") {
    check_instance_name("web");
    check_instance_name("a.b_c-9");
    CHECK(error_message([] { check_instance_name("a/b"); }) ==
          "a/b: not a valid instance name (only letters, digits, '.', '_' and '-' are allowed)");
    CHECK(error_message([] { check_instance_name(""); }) == ": not a valid instance name (it is empty)");
    CHECK(error_message([] { check_instance_name(".."); }) == "..: not a valid instance name (it names a directory)");
    CHECK(error_message([] { check_instance_name("web name"); }) ==
          "web name: not a valid instance name (only letters, digits, '.', '_' and '-' are allowed)");
    std::string long_name(max_name_length + 1, 'a');
    CHECK(error_message([&] { check_instance_name(long_name); }) ==
          long_name + ": not a valid instance name (longer than 128 characters)");
    check_instance_name(std::string(max_name_length, 'a'));
}

TEST_CASE("instance patterns: shell globs, a plain name matching itself", "[instance]") {
    CHECK(name_matches("web", "web"));
    CHECK_FALSE(name_matches("web", "web2"));
    CHECK(name_matches("web*", "web2"));
    CHECK(name_matches("*", "anything"));
    CHECK(name_matches("db[12]", "db2"));
    CHECK_FALSE(name_matches("db[12]", "db3"));
    CHECK(name_matches("?b", "db"));
}

TEST_CASE("an instance record: written with Apptainer's field names, read back the same", "[instance]") {
    InstanceRecord record = sample_record();
    std::string text = to_json(record);
    nlohmann::json json = nlohmann::json::parse(text);
    CHECK(json["pid"] == 4242);
    CHECK(json["ppid"] == 4240);
    CHECK(json["image"] == "/data/app.sif");
    CHECK(json["logOutPath"] == record.log_out);
    CHECK(json["logErrPath"] == record.log_err);
    CHECK(parse_record(text, "web.1") == record);
}

TEST_CASE("an instance record that is none, or another's, is refused with its name", "[instance]") {
    CHECK(error_message([] { parse_record("[]", "x"); }, ExitCode::data) == "instance record x: not a JSON object");
    CHECK(error_message([] { parse_record("{", "x"); }, ExitCode::data) == "instance record x: not a JSON object");
    std::string text = to_json(sample_record());
    CHECK(error_message([&] { parse_record(text, "other"); }, ExitCode::data) ==
          "instance record other: it names the instance web.1");
    nlohmann::json json = nlohmann::json::parse(text);
    json.erase("ppid");
    CHECK(error_message([&] { parse_record(json.dump(), "web.1"); }, ExitCode::data).starts_with(
        "instance record web.1: [json.exception.out_of_range"));
    json = nlohmann::json::parse(text);
    json["pid"] = 0;
    CHECK(error_message([&] { parse_record(json.dump(), "web.1"); }, ExitCode::data) ==
          "instance record web.1: no process ids");
    json["pid"] = "4242";
    CHECK(error_message([&] { parse_record(json.dump(), "web.1"); }, ExitCode::data).starts_with(
        "instance record web.1: [json.exception.type_error"));
    std::string huge = "{\"name\": \"" + std::string(max_record_bytes, 'a') + "\"}";
    CHECK(error_message([&] { parse_record(huge, "x"); }, ExitCode::data) ==
          "instance record x: larger than 65536 bytes");
}

TEST_CASE("a process's stat line: CPU ticks and start time, whatever its command holds", "[instance]") {
    // proc(5): pid (comm) state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt
    // utime stime cutime cstime priority nice threads itrealvalue starttime ...
    std::string line = "123 (a) b) c) S 1 123 123 0 -1 4194560 100 0 0 0 7 3 2 1 20 0 1 0 5555 100000 200";
    std::optional<ProcessStat> stat = parse_process_stat(line);
    REQUIRE(stat);
    CHECK(stat->cpu_ticks == 13);
    CHECK(stat->start_time == 5555);
    // Negative cutime (it is signed): counted as none.
    stat = parse_process_stat("9 (x) S 1 9 9 0 -1 0 0 0 0 0 4 4 -1 -1 20 0 1 0 77");
    REQUIRE(stat);
    CHECK(stat->cpu_ticks == 8);
    CHECK(stat->start_time == 77);
    CHECK_FALSE(parse_process_stat("9 (x) S 1 9 9 0"));
    CHECK_FALSE(parse_process_stat("no parenthesis"));
    CHECK_FALSE(parse_process_stat("9 (x) S 1 9 9 0 -1 0 0 0 0 0 four 4 0 0 20 0 1 0 77"));
}

TEST_CASE("aligned tables: columns as wide as their widest word and 4, the last unpadded", "[instance]") {
    CHECK(hpc::cmd::aligned_table({{"INSTANCE NAME", "PID", "IMAGE"}, {"web", "123456", "/a.sif"}}) ==
          "INSTANCE NAME    PID       IMAGE\n"
          "web              123456    /a.sif\n");
    CHECK(hpc::cmd::aligned_table({{"A", "", "C"}}) == "A        C\n");
}
