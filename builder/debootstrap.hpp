// `Bootstrap: debootstrap`: the host's debootstrap makes a Debian (or Ubuntu) tree in a
// stage's root, run as root in the build's --fakeroot namespace. What a user namespace cannot
// do is done the way the image will run anyway: device nodes, which it may not mknod, are the
// host's bound in for the install (hpc binds them again at every run), /sys is the host's, /proc
// one of debootstrap's own in a PID namespace, and all of it is gone before %post and packing.
#pragma once

#include <string>
#include <vector>

namespace hpc::builder {

struct DebootstrapSource {
    std::string os_version;  // OSVersion: the suite, e.g. bookworm
    std::string mirror;      // MirrorURL
    std::string include;     // Include: extra packages, comma- or space-separated
};

// The host's debootstrap. Throws hpc::Error(unavailable), naming the package, when it is missing.
std::string debootstrap_program();

// debootstrap's command line for `root`, as Apptainer runs it (the minbase variant).
std::vector<std::string> debootstrap_argv(const DebootstrapSource& source, const std::string& root);

// Runs debootstrap into `root` (an empty tree). Throws hpc::Error: unavailable when the host
// has no debootstrap, data when it fails, interrupted on ^C.
void run_debootstrap(const DebootstrapSource& source, const std::string& root, bool ownership_ignored);

}  // namespace hpc::builder
