// CDI devices resolved (gpu/cdi_resolution, gpu/cdi_nvidia_hooks): nvidia-ctk's spec and its
// JSON twin against invented host nodes, priorities across directories, and every edit hpc
// cannot make without privilege refused with its exact message.
#include "gpu/cdi.hpp"
#include "gpu/cdi_nvidia_hooks.hpp"
#include "gpu/cdi_resolution.hpp"
#include "gpu/cdi_spec.hpp"

#include "cdi_spec_text.hpp"
#include "thrown_error.hpp"

#include <catch2/catch.hpp>

#include <map>

using namespace hpc::gpu;
using hpc::ExitCode;
using hpc::test::error_message;

namespace {

using hpc::test::cdi_spec_with;

HostNode character_node(std::int64_t major, std::int64_t minor, std::uint32_t mode = 0666, std::uint32_t gid = 0) {
    return {HostNode::Type::character, major, minor, mode, 0, gid};
}

// The device nodes of a host with two NVIDIA GPUs, as its driver makes them.
std::optional<HostNode> invented_stat(const std::string& path) {
    static const std::map<std::string, HostNode> nodes = {
        {"/dev/nvidia0", character_node(195, 0)},
        {"/dev/nvidia1", character_node(195, 1)},
        {"/dev/nvidiactl", character_node(195, 255)},
        {"/dev/nvidia-modeset", character_node(195, 254)},
        {"/dev/nvidia-uvm", character_node(508, 0)},
        {"/dev/nvidia-uvm-tools", character_node(508, 1)},
        {"/dev/dri/card1", character_node(226, 1, 0660, 44)},
        {"/dev/dri/renderD128", character_node(226, 128, 0666, 105)},
        {"/dev/dri/card2", character_node(226, 2, 0660, 44)},
        {"/dev/dri/renderD129", character_node(226, 129, 0666, 105)},
        {"/dev/sda", {HostNode::Type::block, 8, 0, 0660, 0, 6}},
        {"/etc/passwd", {HostNode::Type::other, 0, 0, 0644, 0, 0}},
    };
    auto found = nodes.find(path);
    if (found == nodes.end()) return std::nullopt;
    return found->second;
}

// A spec as nvidia-ctk 1.20 writes one (`nvidia-ctk cdi generate`) for a host with two GPUs,
// shortened to a few of the driver's files.
const char* const nvidia_yaml = R"(---
cdiVersion: 0.5.0
kind: nvidia.com/gpu
devices:
    - name: "0"
      containerEdits:
        deviceNodes:
            - path: /dev/nvidia0
              hostPath: /dev/nvidia0
            - path: /dev/dri/card1
              hostPath: /dev/dri/card1
            - path: /dev/dri/renderD128
              hostPath: /dev/dri/renderD128
        hooks:
            - hookName: createContainer
              path: /usr/bin/nvidia-cdi-hook
              args:
                - nvidia-cdi-hook
                - create-symlinks
                - --link
                - ../card1::/dev/dri/by-path/pci-0000:3b:00.0-card
                - --link
                - ../renderD128::/dev/dri/by-path/pci-0000:3b:00.0-render
              env:
                - NVIDIA_CTK_DEBUG=false
            - hookName: createContainer
              path: /usr/bin/nvidia-cdi-hook
              args:
                - nvidia-cdi-hook
                - chmod
                - --mode
                - "755"
                - --path
                - /dev/dri
              env:
                - NVIDIA_CTK_DEBUG=false
    - name: "1"
      containerEdits:
        deviceNodes:
            - path: /dev/nvidia1
              hostPath: /dev/nvidia1
            - path: /dev/dri/card2
              hostPath: /dev/dri/card2
            - path: /dev/dri/renderD129
              hostPath: /dev/dri/renderD129
    - name: all
      containerEdits:
        deviceNodes:
            - path: /dev/nvidia0
              hostPath: /dev/nvidia0
            - path: /dev/dri/card1
              hostPath: /dev/dri/card1
            - path: /dev/dri/renderD128
              hostPath: /dev/dri/renderD128
            - path: /dev/nvidia1
              hostPath: /dev/nvidia1
            - path: /dev/dri/card2
              hostPath: /dev/dri/card2
            - path: /dev/dri/renderD129
              hostPath: /dev/dri/renderD129
containerEdits:
    env:
        - NVIDIA_CTK_LIBCUDA_DIR=/usr/lib/x86_64-linux-gnu
        - NVIDIA_VISIBLE_DEVICES=void
    deviceNodes:
        - path: /dev/nvidia-modeset
          hostPath: /dev/nvidia-modeset
        - path: /dev/nvidia-uvm
          hostPath: /dev/nvidia-uvm
        - path: /dev/nvidia-uvm-tools
          hostPath: /dev/nvidia-uvm-tools
        - path: /dev/nvidiactl
          hostPath: /dev/nvidiactl
    hooks:
        - hookName: createContainer
          path: /usr/bin/nvidia-cdi-hook
          args:
            - nvidia-cdi-hook
            - create-symlinks
            - --link
            - libcuda.so.1::/usr/lib/x86_64-linux-gnu/libcuda.so
          env:
            - NVIDIA_CTK_DEBUG=false
        - hookName: createContainer
          path: /usr/bin/nvidia-cdi-hook
          args:
            - nvidia-cdi-hook
            - enable-cuda-compat
            - --host-driver-version=570.124.06
          env:
            - NVIDIA_CTK_DEBUG=false
        - hookName: createContainer
          path: /usr/bin/nvidia-cdi-hook
          args:
            - nvidia-cdi-hook
            - update-ldcache
            - --folder
            - /usr/lib/x86_64-linux-gnu
            - --folder
            - /usr/lib/x86_64-linux-gnu/vdpau
          env:
            - NVIDIA_CTK_DEBUG=false
        - hookName: createContainer
          path: /usr/bin/nvidia-cdi-hook
          args:
            - nvidia-cdi-hook
            - disable-device-node-modification
          env:
            - NVIDIA_CTK_DEBUG=false
        - hookName: createContainer
          path: /usr/bin/nvidia-cdi-hook
          args:
            - nvidia-cdi-hook
            - update-application-profile
          env:
            - NVIDIA_CTK_DEBUG=false
    mounts:
        - hostPath: /usr/lib/x86_64-linux-gnu/libcuda.so.570.124.06
          containerPath: /usr/lib/x86_64-linux-gnu/libcuda.so.570.124.06
          options:
            - ro
            - nosuid
            - nodev
            - rbind
            - rprivate
        - hostPath: /usr/lib/x86_64-linux-gnu/vdpau/libvdpau_nvidia.so.570.124.06
          containerPath: /usr/lib/x86_64-linux-gnu/vdpau/libvdpau_nvidia.so.570.124.06
          options:
            - ro
            - nosuid
            - nodev
            - rbind
            - rprivate
        - hostPath: /usr/bin/nvidia-smi
          containerPath: /usr/bin/nvidia-smi
          options:
            - ro
            - nosuid
            - nodev
            - rbind
            - rprivate
        - hostPath: /lib/firmware/nvidia/570.124.06/gsp_ga10x.bin
          containerPath: /lib/firmware/nvidia/570.124.06/gsp_ga10x.bin
          options:
            - ro
            - nosuid
            - nodev
            - rbind
            - rprivate
)";

// The same spec as JSON, as `nvidia-ctk cdi generate --format=json` writes it, but indented.
const char* const nvidia_json = R"({
  "cdiVersion": "0.5.0",
  "kind": "nvidia.com/gpu",
  "devices": [
    {"name": "0", "containerEdits": {
      "deviceNodes": [
        {"path": "/dev/nvidia0", "hostPath": "/dev/nvidia0"},
        {"path": "/dev/dri/card1", "hostPath": "/dev/dri/card1"},
        {"path": "/dev/dri/renderD128", "hostPath": "/dev/dri/renderD128"}],
      "hooks": [
        {"hookName": "createContainer", "path": "/usr/bin/nvidia-cdi-hook",
         "args": ["nvidia-cdi-hook", "create-symlinks",
                  "--link", "../card1::/dev/dri/by-path/pci-0000:3b:00.0-card",
                  "--link", "../renderD128::/dev/dri/by-path/pci-0000:3b:00.0-render"],
         "env": ["NVIDIA_CTK_DEBUG=false"]},
        {"hookName": "createContainer", "path": "/usr/bin/nvidia-cdi-hook",
         "args": ["nvidia-cdi-hook", "chmod", "--mode", "755", "--path", "/dev/dri"],
         "env": ["NVIDIA_CTK_DEBUG=false"]}]}},
    {"name": "1", "containerEdits": {
      "deviceNodes": [
        {"path": "/dev/nvidia1", "hostPath": "/dev/nvidia1"},
        {"path": "/dev/dri/card2", "hostPath": "/dev/dri/card2"},
        {"path": "/dev/dri/renderD129", "hostPath": "/dev/dri/renderD129"}]}},
    {"name": "all", "containerEdits": {
      "deviceNodes": [
        {"path": "/dev/nvidia0", "hostPath": "/dev/nvidia0"},
        {"path": "/dev/dri/card1", "hostPath": "/dev/dri/card1"},
        {"path": "/dev/dri/renderD128", "hostPath": "/dev/dri/renderD128"},
        {"path": "/dev/nvidia1", "hostPath": "/dev/nvidia1"},
        {"path": "/dev/dri/card2", "hostPath": "/dev/dri/card2"},
        {"path": "/dev/dri/renderD129", "hostPath": "/dev/dri/renderD129"}]}}
  ],
  "containerEdits": {
    "env": ["NVIDIA_CTK_LIBCUDA_DIR=/usr/lib/x86_64-linux-gnu", "NVIDIA_VISIBLE_DEVICES=void"],
    "deviceNodes": [
      {"path": "/dev/nvidia-modeset", "hostPath": "/dev/nvidia-modeset"},
      {"path": "/dev/nvidia-uvm", "hostPath": "/dev/nvidia-uvm"},
      {"path": "/dev/nvidia-uvm-tools", "hostPath": "/dev/nvidia-uvm-tools"},
      {"path": "/dev/nvidiactl", "hostPath": "/dev/nvidiactl"}],
    "hooks": [
      {"hookName": "createContainer", "path": "/usr/bin/nvidia-cdi-hook",
       "args": ["nvidia-cdi-hook", "create-symlinks", "--link", "libcuda.so.1::/usr/lib/x86_64-linux-gnu/libcuda.so"],
       "env": ["NVIDIA_CTK_DEBUG=false"]},
      {"hookName": "createContainer", "path": "/usr/bin/nvidia-cdi-hook",
       "args": ["nvidia-cdi-hook", "enable-cuda-compat", "--host-driver-version=570.124.06"],
       "env": ["NVIDIA_CTK_DEBUG=false"]},
      {"hookName": "createContainer", "path": "/usr/bin/nvidia-cdi-hook",
       "args": ["nvidia-cdi-hook", "update-ldcache", "--folder", "/usr/lib/x86_64-linux-gnu",
                "--folder", "/usr/lib/x86_64-linux-gnu/vdpau"],
       "env": ["NVIDIA_CTK_DEBUG=false"]},
      {"hookName": "createContainer", "path": "/usr/bin/nvidia-cdi-hook",
       "args": ["nvidia-cdi-hook", "disable-device-node-modification"], "env": ["NVIDIA_CTK_DEBUG=false"]},
      {"hookName": "createContainer", "path": "/usr/bin/nvidia-cdi-hook",
       "args": ["nvidia-cdi-hook", "update-application-profile"], "env": ["NVIDIA_CTK_DEBUG=false"]}],
    "mounts": [
      {"hostPath": "/usr/lib/x86_64-linux-gnu/libcuda.so.570.124.06",
       "containerPath": "/usr/lib/x86_64-linux-gnu/libcuda.so.570.124.06",
       "options": ["ro", "nosuid", "nodev", "rbind", "rprivate"]},
      {"hostPath": "/usr/lib/x86_64-linux-gnu/vdpau/libvdpau_nvidia.so.570.124.06",
       "containerPath": "/usr/lib/x86_64-linux-gnu/vdpau/libvdpau_nvidia.so.570.124.06",
       "options": ["ro", "nosuid", "nodev", "rbind", "rprivate"]},
      {"hostPath": "/usr/bin/nvidia-smi", "containerPath": "/usr/bin/nvidia-smi",
       "options": ["ro", "nosuid", "nodev", "rbind", "rprivate"]},
      {"hostPath": "/lib/firmware/nvidia/570.124.06/gsp_ga10x.bin",
       "containerPath": "/lib/firmware/nvidia/570.124.06/gsp_ga10x.bin",
       "options": ["ro", "nosuid", "nodev", "rbind", "rprivate"]}]
  }
})";

CdiEdits resolve(const std::vector<std::string>& names, const std::vector<CdiDirectory>& directories) {
    return resolve_cdi_devices(names, directories, invented_stat);
}

// `text`, parsed as /etc/cdi/FILE, the one spec of the one directory.
CdiEdits resolve_one(const std::string& text, const std::vector<std::string>& names, const std::string& file = "dev.yaml") {
    return resolve(names, {{"/etc/cdi", {parse_cdi_spec(text, "/etc/cdi/" + file)}}});
}

std::string resolve_error(const std::string& text, ExitCode expected, const std::string& name = "vendor.com/dev=a") {
    return error_message([&] { resolve_one(text, {name}); }, expected);
}

CdiMount read_only_bind(const std::string& path) { return {path, path, true, false, ""}; }

}  // namespace

TEST_CASE("cdi: nvidia-ctk's spec gives GPU 0 its nodes, the driver's files, one library directory and the symlinks", "[cdi]") {
    CdiEdits edits = resolve_one(nvidia_yaml, {"nvidia.com/gpu=0"}, "nvidia.yaml");
    CdiEdits expected;
    expected.devices = {"nvidia.com/gpu=0"};
    // The spec's own edits first, then the device's.
    expected.device_nodes = {{"/dev/nvidia-modeset", "/dev/nvidia-modeset"}, {"/dev/nvidia-uvm", "/dev/nvidia-uvm"},
                             {"/dev/nvidia-uvm-tools", "/dev/nvidia-uvm-tools"}, {"/dev/nvidiactl", "/dev/nvidiactl"},
                             {"/dev/nvidia0", "/dev/nvidia0"}, {"/dev/dri/card1", "/dev/dri/card1"},
                             {"/dev/dri/renderD128", "/dev/dri/renderD128"}};
    expected.mounts = {read_only_bind("/usr/lib/x86_64-linux-gnu/libcuda.so.570.124.06"),
                       read_only_bind("/usr/lib/x86_64-linux-gnu/vdpau/libvdpau_nvidia.so.570.124.06"),
                       read_only_bind("/usr/bin/nvidia-smi"),
                       read_only_bind("/lib/firmware/nvidia/570.124.06/gsp_ga10x.bin")};
    expected.env = {"NVIDIA_CTK_LIBCUDA_DIR=/usr/lib/x86_64-linux-gnu", "NVIDIA_VISIBLE_DEVICES=void"};
    expected.library_directories = {"/usr/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu/vdpau"};
    expected.symlinks = {{"libcuda.so.1", "/usr/lib/x86_64-linux-gnu/libcuda.so"},
                         {"../card1", "/dev/dri/by-path/pci-0000:3b:00.0-card"},
                         {"../renderD128", "/dev/dri/by-path/pci-0000:3b:00.0-render"}};
    CHECK(edits == expected);
}

TEST_CASE("cdi: the JSON twin of nvidia-ctk's spec gives what the YAML gives, for one GPU and for all", "[cdi]") {
    for (const std::string name : {"nvidia.com/gpu=0", "nvidia.com/gpu=all"}) {
        CAPTURE(name);
        CHECK(resolve_one(nvidia_json, {name}, "nvidia.json") == resolve_one(nvidia_yaml, {name}, "nvidia.yaml"));
    }
    CdiEdits all = resolve_one(nvidia_json, {"nvidia.com/gpu=all"}, "nvidia.json");
    CHECK(all.devices == std::vector<std::string>{"nvidia.com/gpu=all"});
    std::vector<std::string> container_paths;
    for (const CdiDeviceNode& node : all.device_nodes) container_paths.push_back(node.container_path);
    CHECK(container_paths == std::vector<std::string>{"/dev/nvidia-modeset", "/dev/nvidia-uvm", "/dev/nvidia-uvm-tools",
                                                      "/dev/nvidiactl", "/dev/nvidia0", "/dev/dri/card1",
                                                      "/dev/dri/renderD128", "/dev/nvidia1", "/dev/dri/card2",
                                                      "/dev/dri/renderD129"});
    CHECK(all.symlinks == std::vector<CdiSymlink>{{"libcuda.so.1", "/usr/lib/x86_64-linux-gnu/libcuda.so"}});
}

TEST_CASE("cdi: a spec's own edits are made once, before its first device's, however many of its devices are asked", "[cdi]") {
    CdiEdits edits = resolve_one(nvidia_yaml, {"nvidia.com/gpu=1", "nvidia.com/gpu=0", "nvidia.com/gpu=1"}, "nvidia.yaml");
    CHECK(edits.devices == std::vector<std::string>{"nvidia.com/gpu=1", "nvidia.com/gpu=0"});
    std::vector<std::string> container_paths;
    for (const CdiDeviceNode& node : edits.device_nodes) container_paths.push_back(node.container_path);
    CHECK(container_paths == std::vector<std::string>{"/dev/nvidia-modeset", "/dev/nvidia-uvm", "/dev/nvidia-uvm-tools",
                                                      "/dev/nvidiactl", "/dev/nvidia1", "/dev/dri/card2", "/dev/dri/renderD129", "/dev/nvidia0",
                                                      "/dev/dri/card1", "/dev/dri/renderD128"});
    CHECK(edits.env == std::vector<std::string>{"NVIDIA_CTK_LIBCUDA_DIR=/usr/lib/x86_64-linux-gnu", "NVIDIA_VISIBLE_DEVICES=void"});
    CHECK(edits.mounts.size() == 4);
    CHECK(edits.library_directories.size() == 2);
}

TEST_CASE("cdi: a later directory's definition of a device replaces an earlier one's, with its spec's edits", "[cdi]") {
    std::string etc = "cdiVersion: 0.6.0\nkind: vendor.com/dev\ncontainerEdits: {env: [FROM=etc]}\n"
                      "devices:\n- {name: a, containerEdits: {env: [A=etc]}}\n- {name: b, containerEdits: {env: [B=etc]}}\n";
    std::string run = "cdiVersion: 0.6.0\nkind: vendor.com/dev\ncontainerEdits: {env: [FROM=run]}\n"
                      "devices:\n- {name: a, containerEdits: {env: [A=run]}}\n";
    std::vector<CdiDirectory> directories = {{"/etc/cdi", {parse_cdi_spec(etc, "/etc/cdi/dev.yaml")}},
                                             {"/var/run/cdi", {parse_cdi_spec(run, "/var/run/cdi/dev.yaml")}}};
    CHECK(resolve({"vendor.com/dev=a"}, directories).env == std::vector<std::string>{"FROM=run", "A=run"});
    CHECK(resolve({"vendor.com/dev=b"}, directories).env == std::vector<std::string>{"FROM=etc", "B=etc"});
    // Both specs' own edits, each once; the second's FROM replaces the first's in its place.
    CHECK(resolve({"vendor.com/dev=b", "vendor.com/dev=a"}, directories).env ==
          std::vector<std::string>{"FROM=run", "B=etc", "A=run"});
    // The other way round, /etc/cdi wins.
    std::vector<CdiDirectory> reversed = {directories[1], directories[0]};
    CHECK(resolve({"vendor.com/dev=a"}, reversed).env == std::vector<std::string>{"FROM=etc", "A=etc"});
}

TEST_CASE("cdi: two specs of one directory that define the same device leave it to neither", "[cdi]") {
    std::string text = cdi_spec_with("{env: [A=1]}");
    std::vector<CdiDirectory> directories = {
        {"/etc/cdi", {parse_cdi_spec(text, "/etc/cdi/one.yaml"), parse_cdi_spec(text, "/etc/cdi/two.yaml")}}};
    CHECK(error_message([&] { resolve({"vendor.com/dev=a"}, directories); }, ExitCode::data) ==
          "/etc/cdi/one.yaml and /etc/cdi/two.yaml both define vendor.com/dev=a, in the same directory: neither is used");
    // A later directory settles it.
    directories.push_back({"/var/run/cdi", {parse_cdi_spec(cdi_spec_with("{env: [A=2]}"), "/var/run/cdi/dev.yaml")}});
    CHECK(resolve({"vendor.com/dev=a"}, directories).env == std::vector<std::string>{"A=2"});
}

TEST_CASE("cdi: a device no spec defines is missing input, naming the directories and what its kind has", "[cdi]") {
    std::vector<CdiDirectory> directories = {{"/etc/cdi", {parse_cdi_spec(nvidia_yaml, "/etc/cdi/nvidia.yaml")}},
                                             {"/var/run/cdi", {}}};
    CHECK(error_message([&] { resolve({"nvidia.com/gpu=7"}, directories); }, ExitCode::no_input) ==
          "no CDI spec in /etc/cdi, /var/run/cdi defines nvidia.com/gpu=7 (nvidia.com/gpu has 0, 1, all)");
    CHECK(error_message([&] { resolve({"amd.com/gpu=0"}, directories); }, ExitCode::no_input) ==
          "no CDI spec in /etc/cdi, /var/run/cdi defines amd.com/gpu=0");
}

TEST_CASE("cdi: a device name that is not VENDOR/CLASS=NAME is a usage error naming it", "[cdi]") {
    for (const std::string name : {"nvidia.com/gpu", "gpu=0", "nvidia.com/gpu=", "nvidia.com/gpu=-0", "/dev/nvidia0",
                                   "nvidia.com/g/pu=0", "=0", "nvidia.com/=0", "1nvidia.com/gpu=0", "nvidia.com/gpu=0 "}) {
        CAPTURE(name);
        CHECK(error_message([&] { parse_cdi_device_name(name); }, ExitCode::usage) ==
              "'" + name + "' is not a CDI device name, VENDOR/CLASS=NAME as in nvidia.com/gpu=0");
    }
    CdiDeviceName name = parse_cdi_device_name("nvidia.com/gpu=MIG-1:0.x");
    CHECK(name.vendor == "nvidia.com");
    CHECK(name.device_class == "gpu");
    CHECK(name.name == "MIG-1:0.x");
    CHECK(error_message([&] { resolve_one(nvidia_yaml, {"nvidia.com/gpu"}); }, ExitCode::usage) ==
          "'nvidia.com/gpu' is not a CDI device name, VENDOR/CLASS=NAME as in nvidia.com/gpu=0");
}

TEST_CASE("cdi: edits a user namespace cannot make are refused, one line each, naming file, device and field", "[cdi]") {
    CHECK(resolve_error(cdi_spec_with("{hooks: [{hookName: createContainer, path: /usr/bin/vendor-hook, args: [vendor-hook, setup]}]}"),
                        ExitCode::denied) ==
          "/etc/cdi/dev.yaml: vendor.com/dev=a: hooks: hpc cannot run the createContainer hook /usr/bin/vendor-hook without privilege");
    // One of NVIDIA's, but not one hpc knows; and one hpc knows with a flag it does not.
    CHECK(resolve_error(cdi_spec_with("{hooks: [{hookName: prestart, path: /usr/bin/nvidia-cdi-hook, args: [nvidia-cdi-hook, new-hook]}]}"),
                        ExitCode::denied) ==
          "/etc/cdi/dev.yaml: vendor.com/dev=a: hooks: hpc cannot run the prestart hook /usr/bin/nvidia-cdi-hook without privilege");
    CHECK(resolve_error(cdi_spec_with("{hooks: [{hookName: createContainer, path: /usr/bin/nvidia-ctk, "
                                  "args: [nvidia-ctk, hook, update-ldcache, --folder, /lib, --reload]}]}"),
                        ExitCode::denied) ==
          "/etc/cdi/dev.yaml: vendor.com/dev=a: hooks: hpc cannot run the createContainer hook /usr/bin/nvidia-ctk without privilege");
    CHECK(resolve_error(cdi_spec_with("{additionalGids: [0, 44]}"), ExitCode::denied) ==
          "/etc/cdi/dev.yaml: vendor.com/dev=a: additionalGids: hpc cannot add groups to the payload without privilege");
    CHECK(resolve_error(cdi_spec_with("{intelRdt: {closID: gpu}}"), ExitCode::denied) ==
          "/etc/cdi/dev.yaml: vendor.com/dev=a: intelRdt: hpc cannot set a resctrl class of service without privilege");
    CHECK(resolve_error(cdi_spec_with("{netDevices: [{hostInterfaceName: eth1, name: eth0}]}"), ExitCode::denied) ==
          "/etc/cdi/dev.yaml: vendor.com/dev=a: netDevices: hpc cannot move network interfaces into the container without privilege");
    CHECK(resolve_error(cdi_spec_with("{mounts: [{hostPath: server:/export, containerPath: /data, type: nfs}]}"), ExitCode::denied) ==
          "/etc/cdi/dev.yaml: vendor.com/dev=a: mounts: hpc cannot mount a nfs file system at /data without privilege");
    // A spec's own edits are named by its kind.
    CHECK(resolve_error(cdi_spec_with("{env: [A=1]}", "{additionalGids: [44]}"), ExitCode::denied) ==
          "/etc/cdi/dev.yaml: vendor.com/dev: additionalGids: hpc cannot add groups to the payload without privilege");
    // A group 0 CDI itself ignores.
    CHECK(resolve_one(cdi_spec_with("{additionalGids: [0], env: [A=1]}"), {"vendor.com/dev=a"}).env == std::vector<std::string>{"A=1"});
}

TEST_CASE("cdi: a device node the host has not got as the spec says is unavailable", "[cdi]") {
    auto node_error = [](const std::string& node) {
        return resolve_error(cdi_spec_with("{deviceNodes: [" + node + "]}"), ExitCode::unavailable);
    };
    CHECK(node_error("{path: /dev/nvidia9}") == "/etc/cdi/dev.yaml: vendor.com/dev=a: deviceNodes: /dev/nvidia9: the host has no such device node");
    CHECK(node_error("{path: /dev/passwd, hostPath: /etc/passwd}") ==
          "/etc/cdi/dev.yaml: vendor.com/dev=a: deviceNodes: /etc/passwd is not a device node on the host");
    CHECK(node_error("{path: /dev/nvidia0, type: b}") ==
          "/etc/cdi/dev.yaml: vendor.com/dev=a: deviceNodes: /dev/nvidia0 is a character device on the host, not a block device "
          "as the spec says: hpc cannot make device nodes without privilege");
    CHECK(node_error("{path: /dev/sda, type: c}") ==
          "/etc/cdi/dev.yaml: vendor.com/dev=a: deviceNodes: /dev/sda is a block device on the host, not a character device "
          "as the spec says: hpc cannot make device nodes without privilege");
    CHECK(node_error("{path: /dev/nvidia0, type: c, major: 195, minor: 1}") ==
          "/etc/cdi/dev.yaml: vendor.com/dev=a: deviceNodes: /dev/nvidia0 is 195:0 on the host, not 195:1 as the spec says: "
          "hpc cannot make device nodes without privilege");
    CHECK(node_error("{path: /dev/nvidia0, fileMode: 0660}") ==
          "/etc/cdi/dev.yaml: vendor.com/dev=a: deviceNodes: /dev/nvidia0 is mode 0666 on the host, not mode 0660 as the spec "
          "says: hpc cannot change a device node's mode without privilege");
    CHECK(node_error("{path: /dev/nvidia0, uid: 1000}") ==
          "/etc/cdi/dev.yaml: vendor.com/dev=a: deviceNodes: /dev/nvidia0 is owned by uid 0 on the host, not uid 1000 as the "
          "spec says: hpc cannot change a device node's owner without privilege");
    CHECK(node_error("{path: /dev/dri/card9, hostPath: /dev/dri/card1, gid: 0}") ==
          "/etc/cdi/dev.yaml: vendor.com/dev=a: deviceNodes: /dev/dri/card1 is of gid 44 on the host, not gid 0 as the spec "
          "says: hpc cannot change a device node's group without privilege");
}

TEST_CASE("cdi: a device node the spec describes as the host has it is bound from its host path", "[cdi]") {
    CdiEdits edits = resolve_one(
        cdi_spec_with("{deviceNodes: [{path: /dev/nvidia0, type: c, major: 195, minor: 0, fileMode: 438, permissions: rw, uid: 0, gid: 0},"
                  " {path: /dev/gpu, hostPath: /dev/nvidia1, type: u, fileMode: 0o666},"
                  " {path: /dev/dri/card1, major: 0, minor: 5, fileMode: 0660, gid: 44, permissions: none}]}"),
        {"vendor.com/dev=a"});
    CHECK(edits.device_nodes == std::vector<CdiDeviceNode>{{"/dev/nvidia0", "/dev/nvidia0"},
                                                           {"/dev/nvidia1", "/dev/gpu"},
                                                           {"/dev/dri/card1", "/dev/dri/card1"}});
    // JSON's numbers are YAML's plain scalars; a quoted one is a string, refused above.
    CHECK(resolve_one(R"({"cdiVersion": "0.5.0", "kind": "vendor.com/dev", "devices": [{"name": "a", "containerEdits":)"
                      R"( {"deviceNodes": [{"path": "/dev/nvidia0", "major": 195, "minor": 0, "fileMode": 438}]}}]})",
                      {"vendor.com/dev=a"})
              .device_nodes == std::vector<CdiDeviceNode>{{"/dev/nvidia0", "/dev/nvidia0"}});
}

TEST_CASE("cdi: mounts are binds, read-only with ro, or a new tmpfs with its data options", "[cdi]") {
    CdiEdits edits = resolve_one(
        cdi_spec_with("{mounts: [{hostPath: /opt/a, containerPath: /a},"
                  " {hostPath: /opt/b, containerPath: /b, type: bind, options: [ro]},"
                  " {hostPath: /opt/c, containerPath: /c, type: none, options: [rbind, nosuid]},"
                  " {hostPath: tmpfs, containerPath: /run/vendor, type: tmpfs, options: [nosuid, size=1m, mode=0755]},"
                  " {hostPath: /opt/d, containerPath: /a, options: [ro]}]}"),
        {"vendor.com/dev=a"});
    // The last mount at /a replaces the first, as CDI's editor does (RemoveMount, then AddMount).
    CHECK(edits.mounts == std::vector<CdiMount>{{"/opt/b", "/b", true, false, ""},
                                                 {"/opt/c", "/c", false, false, ""},
                                                 {"", "/run/vendor", false, true, "size=1m,mode=0755"},
                                                 {"/opt/d", "/a", true, false, ""}});
    CHECK(resolve_error(cdi_spec_with("{mounts: [{hostPath: opt/a, containerPath: /a}]}"), ExitCode::data) ==
          "/etc/cdi/dev.yaml: vendor.com/dev=a: mounts: 'opt/a' is not an absolute path to bind");
}

TEST_CASE("cdi: nvidia-ctk's hooks are read in both their forms, old and new", "[cdi]") {
    CHECK(nvidia_hook_edits({"nvidia-ctk", "hook", "update-ldcache", "--ldconfig-path", "/sbin/ldconfig", "--folder", "/a",
                             "--folder=/b"}) == NvidiaHookEdits{{"/a", "/b"}, {}});
    CHECK(nvidia_hook_edits({"nvidia-cdi-hook", "--debug", "create-symlinks", "--link", "t::/l", "-link=u::/m"}) ==
          NvidiaHookEdits{{}, {{"t", "/l"}, {"u", "/m"}}});
    CHECK(nvidia_hook_edits({"/usr/bin/nvidia-cdi-hook", "chmod", "--mode", "755", "--path", "/dev/dri"}) == NvidiaHookEdits{});
    CHECK(nvidia_hook_edits({"nvidia-ctk", "hook", "disable-device-node-modification"}) == NvidiaHookEdits{});
    CHECK(nvidia_hook_edits({"nvidia-cdi-hook", "enable-cuda-compat", "--host-driver-version=570.124.06"}) == NvidiaHookEdits{});
    CHECK(nvidia_hook_edits({"nvidia-cdi-hook", "update-application-profile"}) == NvidiaHookEdits{});
    CHECK_FALSE(nvidia_hook_edits({}));
    CHECK_FALSE(nvidia_hook_edits({"nvidia-ctk", "update-ldcache", "--folder", "/a"}));  // no "hook"
    CHECK_FALSE(nvidia_hook_edits({"nvidia-cdi-hook"}));
    CHECK_FALSE(nvidia_hook_edits({"nvidia-cdi-hook", "update-ldcache", "--folder"}));  // its value missing
    CHECK_FALSE(nvidia_hook_edits({"nvidia-cdi-hook", "update-ldcache", "/a"}));
    CHECK_FALSE(nvidia_hook_edits({"nvidia-cdi-hook", "create-symlinks", "--container-spec", "/tmp/x"}));
    CHECK_FALSE(nvidia_hook_edits({"ldconfig", "update-ldcache", "--folder", "/a"}));
    CHECK(error_message([] { nvidia_hook_edits({"nvidia-cdi-hook", "create-symlinks", "--link", "/a:/b"}); }, ExitCode::data) ==
          "create-symlinks: --link '/a:/b' is not TARGET::LINK, LINK an absolute path");
    CHECK(error_message([] { nvidia_hook_edits({"nvidia-cdi-hook", "create-symlinks", "--link", "a::lib/a"}); },
                        ExitCode::data) == "create-symlinks: --link 'a::lib/a' is not TARGET::LINK, LINK an absolute path");
    CHECK(error_message([] { nvidia_hook_edits({"nvidia-cdi-hook", "update-ldcache", "--folder="}); }, ExitCode::data) ==
          "update-ldcache: --folder '' is not an absolute path");
    CHECK(error_message([] { nvidia_hook_edits({"nvidia-cdi-hook", "update-ldcache", "--folder", "lib"}); },
                        ExitCode::data) == "update-ldcache: --folder 'lib' is not an absolute path");
    // In a spec, with the file and the hook's line.
    CHECK(resolve_error(cdi_spec_with("{hooks: [{hookName: createContainer, path: /usr/bin/nvidia-cdi-hook, "
                                  "args: [nvidia-cdi-hook, create-symlinks, --link, a::b::c]}]}"),
                        ExitCode::data) == "/etc/cdi/dev.yaml:5: create-symlinks: --link 'a::b::c' is not TARGET::LINK, LINK an absolute path");
}

TEST_CASE("cdi: environment variables and symlinks asked again replace the earlier in place", "[cdi]") {
    std::string text = "cdiVersion: 0.6.0\nkind: vendor.com/dev\ncontainerEdits: {env: [A=1, B=1]}\n"
                       "devices:\n- {name: a, containerEdits: {env: [B=2, AB=3, A=4]}}\n";
    CHECK(resolve_one(text, {"vendor.com/dev=a"}).env == std::vector<std::string>{"A=4", "B=2", "AB=3"});
}

