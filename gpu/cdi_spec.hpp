// One CDI spec file as it is written, parsed and checked against the CDI specification
// (github.com/cncf-tags/container-device-interface, SPEC.md and specs-go/config.go) but not yet
// judged: what hpc can do of it is gpu/cdi_resolution.hpp's question. A pure parser of text, so
// that tests give it invented specs; gpu/cdi_spec.cpp is the one file that includes yaml-cpp.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hpc::gpu {

// A spec file is a few kilobytes (nvidia-ctk's for 8 GPUs, about 20); the reader refuses a
// larger one before parsing it, and the parser checks again.
inline constexpr std::size_t max_cdi_spec_bytes = 1024 * 1024;
// The most devices a spec may define, and the most entries of one list of a containerEdits
// (env, deviceNodes, mounts, hooks, a hook's args...): a node with 8 GPUs and their MIG
// instances has a few hundred devices.
inline constexpr std::size_t max_cdi_list_entries = 4096;

struct CdiSpecDeviceNode {
    std::string path;       // in the container
    std::string host_path;  // "" when the spec gives none (the host's node is then at `path`)
    std::string type;       // OCI's: "" (the host's), "c" or "u" (character), "b" (block), "p" (FIFO)
    // The Go zero value is CDI's "not given" for these two: 0 asks for the host's numbers.
    std::int64_t major = 0;
    std::int64_t minor = 0;
    std::optional<std::uint32_t> file_mode;  // permission bits, as chmod takes them
    std::string permissions;                 // the cgroup's "rwm", "none" or ""
    std::optional<std::uint32_t> uid;
    std::optional<std::uint32_t> gid;
};

struct CdiSpecMount {
    std::string host_path;
    std::string container_path;
    std::vector<std::string> options;  // OCI's: "ro", "rbind", "nosuid", "size=1m"...
    std::string type;                  // "" (a bind, as CDI's options say), "bind", "tmpfs"...
};

struct CdiSpecHook {
    std::string hook_name;  // OCI's lifecycle point: "createContainer", "prestart"...
    std::string path;       // the program on the host
    std::vector<std::string> args;  // argv, args[0] included
    std::vector<std::string> env;   // NAME=VALUE
    std::optional<int> timeout;     // seconds
    int line = 0;                   // where the hook starts in its file, for messages
};

struct CdiContainerEdits {
    std::vector<std::string> env;  // NAME=VALUE, NAME checked to be a variable's name
    std::vector<CdiSpecDeviceNode> device_nodes;
    std::vector<CdiSpecMount> mounts;
    std::vector<CdiSpecHook> hooks;
    std::vector<std::uint32_t> additional_gids;  // as written, 0 included (CDI ignores it)
    // intelRdt and netDevices: whether the spec gives them. Their content is checked for shape
    // only, not read: hpc refuses them whatever they say (gpu/cdi_resolution.hpp).
    bool intel_rdt = false;
    std::size_t net_devices = 0;
};

struct CdiSpecDevice {
    std::string name;  // "0", "all", "GPU-8f6c...": the part after '=' of a qualified name
    CdiContainerEdits edits;
};

struct CdiSpec {
    std::string file_name;  // as given to the parser, for messages
    std::string cdi_version;
    std::string vendor;  // kind's two halves: "nvidia.com" and "gpu"
    std::string device_class;
    CdiContainerEdits edits;  // applied once when any of its devices is
    std::vector<CdiSpecDevice> devices;  // at least one, names unique

    std::string kind() const { return vendor + "/" + device_class; }
};

// The spec in `text` (YAML, or JSON, which YAML reads), named `file_name` in messages. Throws
// hpc::Error(data) "FILE:LINE: cause" for text that is not YAML, nested too deeply, larger than
// max_cdi_spec_bytes, or not a CDI spec of a version hpc knows (0.1.0 to 1.1.0); LINE is where
// the fault is, when yaml-cpp can tell.
CdiSpec parse_cdi_spec(std::string_view text, const std::string& file_name);

// CDI's syntax of names (the parser package's rules): a vendor or a class starts with a letter,
// ends with a letter or digit, and has only letters, digits, '_', '-' and '.' between; a device
// name the same but may start with a digit and have ':' inside.
bool is_cdi_vendor_or_class(std::string_view name);
bool is_cdi_device_name(std::string_view name);

}  // namespace hpc::gpu
