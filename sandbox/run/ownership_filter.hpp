// --fakeroot without subordinate ids: one id in the namespace, so chown(2) to any other owner
// and setuid(2) to any other user fail with EINVAL, and dpkg, apt and useradd stop. A seccomp
// filter (libseccomp) makes those calls succeed without doing anything, as Apptainer's and
// Charliecloud's fakeroot modes do: the files keep the user's ownership.
#pragma once

namespace hpc::sandbox {

// Installs the filter on the calling thread, inherited across exec and fork. Throws
// hpc::Error(unavailable) when the kernel refuses it.
void install_ownership_filter();

}  // namespace hpc::sandbox
