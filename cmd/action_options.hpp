// The options shared by exec, run, shell and test, with Apptainer's names and meanings, and
// their translation into a sandbox::LaunchRequest.
#pragma once

#include "cmd/registry_options.hpp"
#include "sandbox/plan/planner.hpp"

#include <CLI/CLI.hpp>

#include <optional>
#include <string>
#include <vector>

namespace hpc::cmd {

struct ActionOptions {
    std::vector<std::string> binds;
    std::vector<std::string> mounts;
    std::string home;
    bool no_home = false;
    bool contain = false;
    bool containall = false;
    bool clean_env = false;
    std::vector<std::string> env;
    std::vector<std::string> env_files;
    std::vector<std::string> no_env;
    bool no_eval = false;
    bool no_umask = false;
    bool no_privs = false;
    bool keep_privs = false;
    bool compat = false;
    std::string pwd;
    std::vector<std::string> no_mount;
    bool pid = false;
    bool ipc = false;
    bool no_init = false;
    bool writable = false;
    bool writable_tmpfs = false;
    std::vector<std::string> overlays;
    std::vector<std::string> scratch;
    std::string workdir;
    bool fakeroot = false;
    bool no_share = false;
    std::optional<unsigned> share_linger;
    bool net = false;
    std::string network;
    std::vector<std::string> network_args;
    std::vector<std::string> dns;
    std::optional<std::string> hostname;
    std::string mpi;
    bool nv = false;
    bool nvccli = false;
    bool rocm = false;
    std::vector<std::string> devices;
    std::vector<std::string> cdi_dirs;
    std::string shell;
    std::string app;  // --app: a SCIF app of the image
    bool dry_run = false;
    bool verbose = false;
    RegistryOptions registry;  // for a docker:// or oras:// image
    // Everything from the image on: the image, then the command or arguments.
    std::vector<std::string> image_and_args;
};

// --nv, --nvccli and --rocm, which build's %post and %test take too.
void add_gpu_options(CLI::App& command, bool& nv, bool& nvccli, bool& rocm);

// Whether NVIDIA's driver was asked for: --nv, or --nvccli (which says that it is --nv here).
bool wants_nvidia(bool nv, bool nvccli);

// Adds the options to an action subcommand. `with_shell`: --shell (for `shell` only).
void add_action_options(CLI::App& command, ActionOptions& options, bool with_shell);

// The request for the planner: binds from -B and --mount parsed (their variables, APPTAINER_BIND
// and the others, are among their values: cmd/option_environment.hpp), env files read. Throws
// hpc::Error(usage) for bad syntax, (no_input) for a missing env file.
sandbox::LaunchRequest to_launch_request(const ActionOptions& options, sandbox::Action action);

}  // namespace hpc::cmd
