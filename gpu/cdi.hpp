// CDI, the Container Device Interface (github.com/cncf-tags/container-device-interface): the
// vendor-neutral specs that nvidia-ctk and other vendors write to /etc/cdi and /var/run/cdi,
// each naming devices ("nvidia.com/gpu=0") and the edits a container needs to use them.
// `--device nvidia.com/gpu=all` applies a device's edits, and its spec's, as hpc can without
// privilege: device nodes and mounts become binds of the host's files, environment variables
// the payload's, nvidia-ctk's update-ldcache hook a directory first in LD_LIBRARY_PATH and its
// create-symlinks hook symlinks; its other hooks need nothing of hpc's containers, and are
// skipped (gpu/cdi_nvidia_hooks.cpp says why, one by one). Anything else (another hook, extra
// groups, a device node the host has not got as the spec says) is refused: hpc cannot do it
// unprivileged.
#pragma once

#include <string>
#include <vector>

namespace hpc::gpu {

struct CdiDeviceNode {
    std::string host_path;       // the host's node (the spec's hostPath, else its path)
    std::string container_path;  // where it goes in the container

    bool operator==(const CdiDeviceNode&) const = default;
};

struct CdiMount {
    std::string host_path;  // a bind's source (empty for a tmpfs)
    std::string container_path;
    bool read_only = false;  // "ro" among the options
    bool tmpfs = false;      // type tmpfs: a new tmpfs, `options` its mount data
    std::string options;     // for a tmpfs: "size=1m,mode=0755"; empty otherwise

    bool operator==(const CdiMount&) const = default;
};

struct CdiSymlink {
    std::string target;  // what the link points at, as written
    std::string link;    // the link's path in the container

    bool operator==(const CdiSymlink&) const = default;
};

// What the requested devices ask of a container, their specs' common edits once each, in the
// specs' order.
struct CdiEdits {
    std::vector<std::string> devices;  // the qualified names applied, "nvidia.com/gpu=0"
    std::vector<CdiDeviceNode> device_nodes;
    std::vector<CdiMount> mounts;
    std::vector<std::string> env;                  // NAME=VALUE
    std::vector<std::string> library_directories;  // container paths, first in LD_LIBRARY_PATH
    std::vector<CdiSymlink> symlinks;

    bool operator==(const CdiEdits&) const = default;
};

// The edits of `names` (each "VENDOR/CLASS=NAME"), from the specs (*.json, *.yaml) in
// `directories` (the site's gpu.cdi_directories, /etc/cdi and /var/run/cdi by default), lowest
// priority first: a device a later directory defines again replaces the earlier one, as CDI's
// own registry orders them. Every spec file of the directories is read (gpu/cdi_host.cpp) and
// must be valid, not only those of the devices asked for. Each device node is checked on the
// host. Throws hpc::Error: usage for a malformed name; no_input for a device no spec defines
// (naming it and the directories read); data for a spec that is malformed or too large
// ("FILE:LINE: cause"); denied for an edit hpc cannot make without privilege ("FILE: DEVICE:
// additionalGids: hpc cannot ... without privilege"); unavailable for a device node the host
// has not got, or not as the spec describes it. The rules are gpu/cdi_resolution.hpp's.
CdiEdits read_cdi_devices(const std::vector<std::string>& names, const std::vector<std::string>& directories);

}  // namespace hpc::gpu
