// The container's environment, with Apptainer's semantics (its e2e/env tests are the spec):
//  - host variables pass, except HOME, PATH, LD_LIBRARY_PATH, and the APPTAINER_*,
//    SINGULARITY_* and HPC_* settings; with --cleanenv only TERM and the proxy variables pass
//    (and LANG=C is set); names that are not shell identifiers never pass;
//  - PATH starts as the default PATH, HOME is the container's home;
//  - the image's /.singularity.d/env/*.sh are sourced in order by the image's shell, then the
//    user's values (HPCENV_X > APPTAINERENV_X > SINGULARITYENV_X < --env-file < --env) are
//    exported, evaluated by that shell (so --env 'PATH=$PATH:/x' works) unless --no-eval;
//    PATH, APPEND_PATH and PREPEND_PATH act on the PATH the scripts left;
//  - host variables the scripts did not set are restored last.
// Everything here is pure: the host environment and files' contents come in as data, and hpc
// never hands a value to a host shell.
#pragma once

#include "sandbox/environment/known_scripts.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace hpc::sandbox {

using EnvVars = std::vector<std::pair<std::string, std::string>>;  // in order, names unique

// Where Apptainer's runtime binds host libraries (the GPU driver's, --nv), and hpc's too.
inline constexpr std::string_view bound_libraries_directory = "/.singularity.d/libs";

inline constexpr std::string_view default_path =
    "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

struct EnvFile {
    std::string name;     // for messages: the path as given
    std::string content;  // read by the caller
};

struct EnvironmentRequest {
    std::vector<std::string> host_environ;  // "KEY=VALUE", as environ(7)
    std::vector<std::string> env_options;   // each --env value as given (comma lists allowed)
    std::vector<EnvFile> env_files;         // each --env-file, in order (later files win)
    bool clean_env = false;
    bool no_eval = false;
    std::string home;     // $HOME inside the container
    EnvVars runtime;      // set by hpc for the payload: APPTAINER_CONTAINER, APPTAINER_NAME, ...
    std::vector<std::string> no_env;  // each --no-env value (comma lists allowed): host names to drop
    std::string cwd;      // the payload's working directory when known: PWD (the host's PWD never passes)
    std::optional<uint32_t> uid, gid;  // the payload's ids: $UID and $GID for evaluated values
    // Where hpc bound libraries that must be found before anything else (--mpi host): first
    // in LD_LIBRARY_PATH, after the image's scripts and the user's values have had their say.
    std::vector<std::string> library_path_first;
    // Set for the devices the container has (CUDA_VISIBLE_DEVICES as it numbers its GPUs, a CDI
    // spec's variables): in place of the host's value, with --cleanenv too; the user's win.
    EnvVars device_variables;
};

struct ContainerEnvironment {
    EnvVars base;      // what the image's scripts start with: HOME, PATH, PWD, runtime variables
    EnvVars host;      // passed through (and LANG=C with --cleanenv); restored after the scripts
                       // unless they set it, unset if they set it empty
    EnvVars injected;  // the user's values (PATH forms as SING_USER_DEFINED_*), in order
    bool evaluate = true;  // injected values are expanded by the container's shell
    std::optional<uint32_t> uid, gid;  // defined as $UID/$GID for the scripts where the shell lacks them
    std::vector<std::string> library_path_first;  // as in the request
    std::vector<std::string> warnings;  // for the user: values refused or shadowed, one line each
};

// Throws hpc::Error(usage) naming the option or "file:line" for malformed input.
ContainerEnvironment plan_environment(const EnvironmentRequest& request);

// start: an instance's %startscript (hpc instance start), run with the instance's arguments.
enum class Action { exec, run, shell, test, start };

// The SCIF app a launch is in (--app NAME), as the image has it: which of its files and folders
// are there (common/scif_layout.hpp says where).
struct ScifAppFacts {
    std::string name;
    bool has_runscript = false;    // scif/runscript, executable (%apprun)
    bool has_startscript = false;  // scif/startscript (%appstart)
    bool has_test = false;         // scif/test, executable (%apptest)
    bool has_help = false;         // scif/runscript.help (%apphelp)
    bool has_labels = false;       // scif/labels.json
    bool has_environment = false;  // scif/env/90-environment.sh (%appenv)
    bool has_bin = false;          // bin/, put first on PATH
    bool has_lib = false;          // lib/, put first on LD_LIBRARY_PATH
};

// What the planner knows of the image, read before anything is mounted.
struct ImageFacts {
    std::vector<std::string> env_scripts;  // absolute paths, in sourcing order
    bool has_runscript = false;            // /.singularity.d/runscript is executable
    bool has_test = false;                 // /.singularity.d/test is executable
    bool has_startscript = false;          // /.singularity.d/startscript is executable
    bool has_bin_sh = false;
    bool has_bin_bash = false;
    // The app --app names, when the image has it (the planner refuses an app it has not).
    std::optional<ScifAppFacts> app;
    // What each of env_scripts does, when every one is a script hpc's builds write, word for
    // word: the payload's environment is then computed without the image's shell.
    std::optional<std::vector<KnownScript>> known_scripts;
    // The container's /.singularity.d/libs will not be empty: the image has an entry there
    // (launch/image_summary), or the plan mounts something into it (the planner).
    bool has_bound_libraries = false;
};

// The payload's first program. Either the command itself with its final environment (when
// no image script needs sourcing and no value needs evaluating: one exec, no shell), or the
// image's /bin/sh running hpc's action script, which does the rest inside the container.
struct PayloadCommand {
    std::vector<std::string> argv;  // argv[0] is a path or a name to look up in envp's PATH;
                                    // empty when there is nothing to run (test without a test
                                    // script: the caller prints the notice and exits 0; an
                                    // instance without a startscript: its init waits alone)
    std::vector<std::string> envp;  // "KEY=VALUE"
    bool via_shell = false;
    std::string notice;  // for stderr before the payload starts, as "hpc: <notice>", or empty
    std::optional<unsigned> umask;  // set before the exec (--no-umask); else the caller's stays
    // --no-privs: the capability bounding set emptied before the exec, so that root in the
    // container (--fakeroot's) has no capabilities in its user namespace either.
    bool no_capabilities = false;
};

// `args`: for exec, the command and its arguments; for run and test, the arguments; for
// shell, the shell's arguments. `shell`: --shell, or empty. Throws hpc::Error(data) when a
// shell is needed and the image has none, or when run or test needs a script the active app
// (image.app) has not got; hpc::Error(usage) for exec without a command. An active app always
// goes through the shell, which makes it active (scif_environment.hpp).
// With via_shell, argv is [/bin/sh, -c, <action script>, hpc, args...] and envp is `base`
// plus HPC_HOST_<NAME>=value for each host variable (see action_script.hpp).
PayloadCommand payload_command(const ContainerEnvironment& environment, const ImageFacts& image,
                               Action action, const std::vector<std::string>& args,
                               const std::string& shell);

}  // namespace hpc::sandbox
