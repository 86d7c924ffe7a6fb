// %post and %test: a command in a container over a stage's tree, as Apptainer runs them: root
// inside (the user's own uid behind it, and with --fakeroot their subordinate ids), the host network, the user's --bind's, an empty /tmp,
// a clean environment but for APPTAINER_ENVIRONMENT and APPTAINER_LABELS, cwd /.
#pragma once

#include "sandbox/plan/bind_spec.hpp"
#include "sandbox/environment/environment.hpp"
#include "site-config/site_config.hpp"

#include <functional>
#include <string>
#include <vector>

namespace hpc::builder {

struct ContainerStep {
    std::string root;                       // the stage's tree (a directory in the build's namespace)
    sandbox::Action action = sandbox::Action::exec;
    std::vector<std::string> args;          // as for sandbox::payload_command
    bool writable = true;                   // %post writes the tree; %test reads it
    std::vector<sandbox::BindSpec> binds;
    bool nv = false;                        // --nv: the host's NVIDIA driver and GPUs
    bool rocm = false;                      // --rocm: the host's AMD driver and GPUs
    site::SiteConfig site;                  // its bind rules apply to `binds`
    bool ownership_ignored = false;         // --fakeroot in one id: under the ownership filter
};

// Runs the step inside the build's user namespace; returns the command's exit status.
int run_container_step(const ContainerStep& step, const std::function<void(const std::string&)>& warn);

}  // namespace hpc::builder
