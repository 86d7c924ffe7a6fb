// From parsed CDI specs and the devices a user asked for to the edits hpc makes (gpu/cdi.hpp's
// CdiEdits): which spec defines each device, and what of its edits hpc can do without
// privilege. Pure: the host's device nodes come in through a function, so that tests invent
// them; gpu/cdi_host.cpp gives the real ones.
//
// CDI's semantics (its Go package's Cache.InjectDevices and ContainerEdits.Apply): a spec's
// own containerEdits are applied once, before the first of its devices that is asked for;
// then each device's, in the order asked. A later edit replaces an earlier one of the same
// device node or mount (by container path), environment variable (by name, in its place) or
// symlink (by link); a library directory is listed once.
//
// Messages name the file, then the device ("nvidia.com/gpu=0") or, for a spec's own edits,
// its kind ("nvidia.com/gpu"), then the field:
//   /etc/cdi/nvidia.yaml: nvidia.com/gpu: hooks: hpc cannot run the createContainer hook /usr/bin/x without privilege
#pragma once

#include "gpu/cdi.hpp"
#include "gpu/cdi_spec.hpp"

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hpc::gpu {

// A qualified device name, "VENDOR/CLASS=NAME".
struct CdiDeviceName {
    std::string vendor;        // "nvidia.com"
    std::string device_class;  // "gpu"
    std::string name;          // "0"

    std::string kind() const { return vendor + "/" + device_class; }
    std::string qualified() const { return kind() + "=" + name; }
};

// `text` split as CDI's parser.ParseQualifiedName does. Throws hpc::Error(usage) naming it
// when it is not VENDOR/CLASS=NAME in CDI's syntax (gpu/cdi_spec.hpp's is_cdi_*).
CdiDeviceName parse_cdi_device_name(std::string_view text);

// What stat(2) says of a host path, links followed.
struct HostNode {
    enum class Type { character, block, fifo, other };
    Type type = Type::other;
    std::int64_t major = 0;  // of the device, for a character or block device
    std::int64_t minor = 0;
    std::uint32_t mode = 0;  // the permission bits, st_mode & 07777
    std::uint32_t uid = 0;
    std::uint32_t gid = 0;
};
// nullopt when the host has nothing at the path.
using StatHostNode = std::function<std::optional<HostNode>(const std::string& path)>;

// One directory of specs: its path, for messages, and its specs in the order read.
struct CdiDirectory {
    std::string path;
    std::vector<CdiSpec> specs;
};

// The edits of the devices `names` ("VENDOR/CLASS=NAME"; one asked twice counts once), from
// `directories`, lowest priority first: a device a later directory defines again replaces the
// earlier definition, and two specs of one directory that define the same device leave it to
// neither (CDI's Cache refresh: "conflicting device"). Device nodes are checked with
// `stat_node`. Throws hpc::Error:
//   usage        a malformed name
//   no_input     a device no spec defines, naming the directories read
//   data         a device two specs of one directory define; a malformed nvidia-ctk hook
//   denied       an edit hpc cannot make without privilege: a hook it does not know,
//                additionalGids (other than 0, which CDI ignores), intelRdt, netDevices,
//                a mount of a type other than bind and tmpfs
//   unavailable  a device node the host has not got, or not of the type, numbers, mode or
//                owner the spec says, which a user namespace cannot make or change
CdiEdits resolve_cdi_devices(const std::vector<std::string>& names, const std::vector<CdiDirectory>& directories,
                             const StatHostNode& stat_node);

}  // namespace hpc::gpu
