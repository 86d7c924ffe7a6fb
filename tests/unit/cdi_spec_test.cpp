// CDI specs parsed (gpu/cdi_spec): strictly and within bounds, YAML and JSON alike, every error
// with its file and line; and read_cdi_devices on real spec directories in a temporary one.
#include "gpu/cdi.hpp"
#include "gpu/cdi_spec.hpp"

#include "cdi_spec_text.hpp"
#include "image_fixture.hpp"
#include "thrown_error.hpp"

#include <catch2/catch.hpp>

#include <sys/stat.h>

using namespace hpc::gpu;
using hpc::ExitCode;
using hpc::test::cdi_spec_with;
using hpc::test::error_message;

namespace {

std::string parse_error(const std::string& text) {
    return error_message([&] { parse_cdi_spec(text, "/etc/cdi/dev.yaml"); }, ExitCode::data);
}

}  // namespace

TEST_CASE("cdi: malformed YAML is a data error with its line", "[cdi]") {
    CHECK(parse_error("cdiVersion: 0.5.0\nkind: vendor.com/dev\ndevices:\n  - name: a\n   containerEdits: {}\n") ==
          "/etc/cdi/dev.yaml:5: not valid YAML: end of sequence not found");
    CHECK(parse_error("{\"cdiVersion\": \"0.5.0\",\n \"kind\": \"vendor.com/dev\"\n \"devices\": []}") ==
          "/etc/cdi/dev.yaml:3: not valid YAML: end of map flow not found");
    CHECK(parse_error("") == "/etc/cdi/dev.yaml: the spec is empty");
    CHECK(parse_error("- a\n- b\n") == "/etc/cdi/dev.yaml:1: the spec is not a mapping");
}

TEST_CASE("cdi: nesting too deep for yaml-cpp is a data error, not a crash", "[cdi]") {
    std::string flow = "cdiVersion: 0.5.0\nkind: vendor.com/dev\ndevices: " + std::string(100000, '[');
    CHECK(parse_error(flow) == "/etc/cdi/dev.yaml:3: nested more than 500 levels deep");
    std::string block = "cdiVersion: 0.5.0\nkind: vendor.com/dev\nannotations:\n";
    for (int level = 0; level < 3000; ++level) block += "- ";
    CHECK(parse_error(block + "x\n") == "/etc/cdi/dev.yaml:4: nested more than 500 levels deep");
}

TEST_CASE("cdi: the spec's fields are checked, unknown ones refused as CDI refuses them", "[cdi]") {
    CHECK(parse_error(cdi_spec_with("{deviceNodes: [{path: /dev/x, hostpth: /dev/y}]}")) ==
          "/etc/cdi/dev.yaml:5: unknown field 'hostpth' in a device node (CDI refuses fields it does not know)");
    CHECK(parse_error("cdiVersion: 0.5.0\nkind: vendor.com/dev\nvendor: x\ndevices: []\n") ==
          "/etc/cdi/dev.yaml:3: unknown field 'vendor' in the spec (CDI refuses fields it does not know)");
    CHECK(parse_error(cdi_spec_with("{env: [A=1], env: [B=2]}")) == "/etc/cdi/dev.yaml:5: field 'env' given twice in device a's containerEdits");
    CHECK(parse_error("cdiVersion: 2.0.0\nkind: vendor.com/dev\ndevices: []\n") ==
          "/etc/cdi/dev.yaml:1: cdiVersion '2.0.0' is not a version hpc knows (0.1.0 to 1.1.0)");
    CHECK(parse_error("kind: vendor.com/dev\ndevices: []\n") == "/etc/cdi/dev.yaml:1: the spec has no cdiVersion");
    CHECK(parse_error("cdiVersion: 0.5.0\nkind: vendor.com\ndevices: []\n") ==
          "/etc/cdi/dev.yaml:2: kind 'vendor.com' is not VENDOR/CLASS, each letters, digits, '_', '-' and '.', starting with a letter");
    CHECK(parse_error("cdiVersion: 0.5.0\nkind: vendor.com/dev\ndevices: []\n") == "/etc/cdi/dev.yaml:3: the spec defines no device");
    CHECK(parse_error("cdiVersion: 0.5.0\nkind: vendor.com/dev\ndevices:\n- {name: a, containerEdits: {env: [A=1]}}\n"
                      "- {name: a, containerEdits: {env: [A=1]}}\n") == "/etc/cdi/dev.yaml:5: device a is defined twice");
    CHECK(parse_error("cdiVersion: 0.5.0\nkind: vendor.com/dev\ndevices:\n- {name: a}\n") ==
          "/etc/cdi/dev.yaml:4: device a has no containerEdits");
    CHECK(parse_error("cdiVersion: 0.5.0\nkind: vendor.com/dev\ndevices:\n- {name: _a, containerEdits: {env: [A=1]}}\n") ==
          "/etc/cdi/dev.yaml:4: device name '_a' is not letters, digits, '_', '-', '.' and ':', starting and ending with a letter or digit");
    CHECK(parse_error(cdi_spec_with("{env: [1A=b]}")) ==
          "/etc/cdi/dev.yaml:5: device a's containerEdits.env: '1A=b' is not NAME=VALUE with a variable's name");
    CHECK(parse_error(cdi_spec_with("{env: [A]}")) ==
          "/etc/cdi/dev.yaml:5: device a's containerEdits.env: 'A' is not NAME=VALUE with a variable's name");
    CHECK(parse_error(cdi_spec_with("{deviceNodes: [{path: /dev/x, major: \"195\"}]}")) ==
          "/etc/cdi/dev.yaml:5: a device node's major is not an integer: '195'");
    CHECK(parse_error(cdi_spec_with("{deviceNodes: [{path: /dev/x, uid: -1}]}")) == "/etc/cdi/dev.yaml:5: a device node's uid is out of range: -1");
    CHECK(parse_error(cdi_spec_with("{deviceNodes: [{path: /dev/x, type: x}]}")) ==
          "/etc/cdi/dev.yaml:5: device node /dev/x: type 'x' is none of b, c, u and p");
    CHECK(parse_error(cdi_spec_with("{deviceNodes: [{path: dev/x}]}")) == "/etc/cdi/dev.yaml:5: a device node's path 'dev/x' is not absolute");
    CHECK(parse_error(cdi_spec_with("{hooks: [{hookName: later, path: /bin/x}]}")) ==
          "/etc/cdi/dev.yaml:5: hookName 'later' is none of prestart, createRuntime, createContainer, startContainer, poststart "
          "and poststop");
    CHECK(parse_error(cdi_spec_with("{mounts: [{hostPath: /a, containerPath: /b, options: ro}]}")) ==
          "/etc/cdi/dev.yaml:5: a mount's options is not a list");
    CHECK(parse_error(cdi_spec_with("{env: [\"A=\\0\"]}")) == "/etc/cdi/dev.yaml:5: an entry of device a's containerEdits.env holds a NUL byte");
    // As Go's encoding/json, names match without regard to case; null is the field left out.
    {
        CdiSpec spec = parse_cdi_spec(cdi_spec_with("{additionalGIDs: [44], ENV: [A=1], mounts: null}"), "/etc/cdi/dev.yaml");
        CHECK(spec.devices.at(0).edits.additional_gids == std::vector<std::uint32_t>{44});
        CHECK(spec.devices.at(0).edits.env == std::vector<std::string>{"A=1"});
        CHECK(spec.kind() == "vendor.com/dev");
        CHECK(spec.cdi_version == "0.7.0");
    }
}

TEST_CASE("cdi: lists, sizes and repeated aliases are bounded", "[cdi]") {
    std::string env = "{env: [";
    for (std::size_t i = 0; i <= max_cdi_list_entries; ++i) env += "A=1,";
    env += "]}";
    CHECK(parse_error(cdi_spec_with(env)) == "/etc/cdi/dev.yaml:5: device a's containerEdits.env has 4097 entries, more than 4096");
    CHECK(parse_error(std::string(max_cdi_spec_bytes + 1, ' ')) == "/etc/cdi/dev.yaml: larger than 1048576 bytes");
    // 4,096 devices, each an alias of one whose env has 4,096 entries: 16 million strings from 100 kB.
    std::string bomb = "cdiVersion: 0.5.0\nkind: vendor.com/dev\ndevices:\n- name: d0\n  containerEdits: &e {env: [";
    for (std::size_t i = 0; i < max_cdi_list_entries; ++i) bomb += "A=1,";
    bomb += "]}\n";
    for (std::size_t i = 1; i < max_cdi_list_entries; ++i) bomb += "- {name: d" + std::to_string(i) + ", containerEdits: *e}\n";
    CHECK(parse_error(bomb).ends_with(": the spec repeats its parts (YAML aliases) too often to be read"));
}

TEST_CASE("cdi: read_cdi_devices reads the spec files of real directories and checks real nodes", "[cdi]") {
    struct stat null_status {};
    if (::stat("/dev/null", &null_status) != 0 || !S_ISCHR(null_status.st_mode)) {
        WARN("SKIPPED: /dev/null is not a character device here");
        return;
    }
    hpc::test::TempDir etc;
    hpc::test::TempDir run;
    hpc::test::write_host_file(etc.path() + "/vendor.yaml",
                               "cdiVersion: 0.5.0\nkind: vendor.com/dev\n"
                               "devices:\n- name: \"0\"\n  containerEdits:\n"
                               "    deviceNodes: [{path: /dev/vendor0, hostPath: /dev/null, type: c, major: 1, minor: 3}]\n"
                               "    env: [VENDOR_DEVICE=etc]\n");
    hpc::test::write_host_file(etc.path() + "/README", "not a spec: not read\n");
    REQUIRE(::mkdir((etc.path() + "/old.json").c_str(), 0755) == 0);  // a directory named like a spec: skipped
    hpc::test::write_host_file(run.path() + "/b.json",
                               R"({"cdiVersion": "0.6.0", "kind": "vendor.com/dev", "devices": [)"
                               R"({"name": "1", "containerEdits": {"env": ["VENDOR_DEVICE=run"]}}]})");
    std::string missing = etc.path() + "/missing";
    CdiEdits edits = read_cdi_devices({"vendor.com/dev=0", "vendor.com/dev=1"}, {etc.path(), missing, run.path()});
    CHECK(edits.devices == std::vector<std::string>{"vendor.com/dev=0", "vendor.com/dev=1"});
    CHECK(edits.device_nodes == std::vector<CdiDeviceNode>{{"/dev/null", "/dev/vendor0"}});
    CHECK(edits.env == std::vector<std::string>{"VENDOR_DEVICE=run"});
    CHECK(error_message([&] { read_cdi_devices({"vendor.com/dev=2"}, {etc.path(), missing}); }, ExitCode::no_input) ==
          "no CDI spec in " + etc.path() + ", " + missing + " defines vendor.com/dev=2 (vendor.com/dev has 0)");
    // The host's node checked as the spec describes it.
    hpc::test::write_host_file(run.path() + "/c.yaml",
                               "cdiVersion: 0.5.0\nkind: vendor.com/dev\n"
                               "devices: [{name: \"2\", containerEdits: {deviceNodes: [{path: /dev/null, major: 1, minor: 5}]}}]\n");
    CHECK(error_message([&] { read_cdi_devices({"vendor.com/dev=2"}, {run.path()}); }, ExitCode::unavailable) ==
          run.path() + "/c.yaml: vendor.com/dev=2: deviceNodes: /dev/null is 1:3 on the host, not 1:5 as the spec says: hpc cannot "
                       "make device nodes without privilege");
    // A spec too large is refused before it is parsed.
    hpc::test::write_host_file(run.path() + "/d.yaml", std::string(max_cdi_spec_bytes + 1, '#'));
    CHECK(error_message([&] { read_cdi_devices({"vendor.com/dev=1"}, {run.path()}); }, ExitCode::data) ==
          run.path() + "/d.yaml: larger than 1048576 bytes");
}
