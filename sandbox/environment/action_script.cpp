// The steps follow Apptainer's action_script.sh and runtime_vars.sh (internal/pkg/util/fs/
// files), which its embedded Go shell runs; here the image's own /bin/sh runs them, so only
// POSIX sh is used, and every name the script needs for itself starts with _hpc_.
#include "sandbox/environment/action_script.hpp"

#include "common/scif_layout.hpp"
#include "sandbox/environment/scif_environment.hpp"
#include "sandbox/environment/shell_syntax.hpp"

#include <algorithm>
#include <iterator>

namespace hpc::sandbox {
namespace {

constexpr std::string_view bash_read_only[] = {"BASHOPTS", "BASH_VERSINFO", "EUID", "PPID", "SHELLOPTS", "UID"};

bool contains_name(const auto& list, std::string_view name) {
    return std::find(std::begin(list), std::end(list), name) != std::end(list);
}

std::string carrier(std::string_view name) { return std::string(host_carrier_prefix) + std::string(name); }

// The shells define some names themselves when the environment lacks them (bash TERM,
// SHELL and HOSTNAME, busybox PS1 and SHLVL). With those gone, the end of the script can tell
// what the image's scripts set. bash's read-only ones cannot go, and stay bash's.
void clear_shell_presets(std::string& out, const ContainerEnvironment& environment) {
    std::string unset = "unset PS1 PROMPT_COMMAND SHLVL";
    for (const auto& [name, value] : environment.host)
        if (!contains_name(bash_read_only, name) && name != "PS1" && name != "PROMPT_COMMAND" && name != "SHLVL")
            unset += " " + name;
    out += unset + "\n";
}

// dash and busybox sh have no UID or GID; Apptainer's shell has both, and values such as
// APPTAINERENV_WHO='$UID' rely on them. Not exported, and gone before the command runs.
void define_ids(std::string& out, const ContainerEnvironment& environment) {
    if (environment.uid)
        out += "[ -n \"${UID+x}\" ] || { UID=" + std::to_string(*environment.uid) + "; _hpc_uid=1; }\n";
    if (environment.gid)
        out += "[ -n \"${GID+x}\" ] || { GID=" + std::to_string(*environment.gid) + "; _hpc_gid=1; }\n";
}

void forget_ids(std::string& out, const ContainerEnvironment& environment) {
    if (environment.uid) out += "[ -z \"${_hpc_uid-}\" ] || unset UID\n";
    if (environment.gid) out += "[ -z \"${_hpc_gid-}\" ] || unset GID\n";
}

// Apptainer's fixpath: the default PATH's directories that a Docker-made script left out
// are appended.
void define_fixpath(std::string& out) {
    out += "_hpc_fixpath() {\n  for _hpc_d in";
    std::string_view path = default_path;
    while (!path.empty()) {
        size_t colon = path.find(':');
        out += " " + std::string(path.substr(0, colon));
        path = colon == std::string_view::npos ? std::string_view() : path.substr(colon + 1);
    }
    out += "; do\n"
           "    case \":${PATH-}:\" in *\":$_hpc_d:\"*) ;; *) PATH=${PATH:+$PATH:}$_hpc_d ;; esac\n"
           "  done\n"
           "  export PATH\n"
           "}\n";
}

// The user's values, right after 99-base.sh as Apptainer's /.inject-apptainer-env.sh. A
// value that needs the shell goes through `command eval`, so that an expansion the shell
// rejects ("${!X}" in dash) is reported by name instead of ending the script mid-way.
void inject(std::string& out, const ContainerEnvironment& environment) {
    out += "[ -n \"${PATH+x}\" ] || export PATH=" + single_quoted(default_path) + "\n";
    for (const auto& [name, value] : environment.injected) {
        if (!environment.evaluate || !needs_evaluation(value)) {
            out += "export " + name + "=" + single_quoted(value) + "\n";
            continue;
        }
        std::string assignment = "export " + name + "=\"" + double_quote_body(value) + "\"";
        out += "command eval " + single_quoted(assignment) + " || { printf '%s\\n' " +
               single_quoted("hpc: the container's shell could not evaluate the value of " + name) + " >&2; exit " +
               std::to_string(exit_bad_value) + "; }\n";
    }
}

// Apptainer's set_default_ld_library_path: when 99-base.sh left LD_LIBRARY_PATH at the
// bound libraries alone, and there are libraries there (--nv) or the user adds to it, the
// system's library directories go first so that the bound ones do not hide the image's.
// Only then does it run ldconfig; the common case costs a glob of an empty directory. When hpc
// puts the bound libraries first anyway (--nv: library_path_first), the system's directories
// would change nothing but cost the launch ldconfig's 60 ms, and are left out.
void default_ld_library_path(std::string& out, const ContainerEnvironment& environment) {
    const std::vector<std::string>& first = environment.library_path_first;
    if (std::find(first.begin(), first.end(), bound_libraries_directory) != first.end()) return;
    out += "if [ \"${LD_LIBRARY_PATH-}\" = /.singularity.d/libs ]; then\n"
           "  _hpc_libs=\n"
           "  for _hpc_f in /.singularity.d/libs/*; do [ ! -e \"$_hpc_f\" ] || _hpc_libs=1; done\n"
           "  if [ -n \"$_hpc_libs${PREPEND_LD_LIBRARY_PATH-}${APPEND_LD_LIBRARY_PATH-}\" ]; then\n"
           "    _hpc_dirs=\n"
           "    while IFS= read -r _hpc_l; do\n"
           "      case $_hpc_l in /*:*) _hpc_dirs=$_hpc_dirs${_hpc_dirs:+:}${_hpc_l%%:*} ;; esac\n"
           "    done <<_HPC_EOF\n"
           "$(/sbin/ldconfig -Nv 2>/dev/null)\n"
           "_HPC_EOF\n"
           "    [ -z \"$_hpc_dirs\" ] || export LD_LIBRARY_PATH=\"$_hpc_dirs:$LD_LIBRARY_PATH\"\n"
           "  fi\n"
           "fi\n";
}

bool injects(const ContainerEnvironment& environment, std::string_view name) {
    for (const auto& [injected, value] : environment.injected)
        if (injected == name) return true;
    return false;
}

// runtime_vars.sh: the user's PATH forms act on the PATH the image's scripts built.
void user_path(std::string& out, const ContainerEnvironment& environment) {
    if (injects(environment, "SING_USER_DEFINED_PREPEND_PATH"))
        out += "if [ -n \"${SING_USER_DEFINED_PREPEND_PATH-}\" ]; then "
               "PATH=\"$SING_USER_DEFINED_PREPEND_PATH:$PATH\"; unset SING_USER_DEFINED_PREPEND_PATH; fi\n";
    if (injects(environment, "SING_USER_DEFINED_APPEND_PATH"))
        out += "if [ -n \"${SING_USER_DEFINED_APPEND_PATH-}\" ]; then "
               "PATH=\"$PATH:$SING_USER_DEFINED_APPEND_PATH\"; unset SING_USER_DEFINED_APPEND_PATH; fi\n";
    if (injects(environment, "SING_USER_DEFINED_PATH"))
        out += "if [ -n \"${SING_USER_DEFINED_PATH-}\" ]; then "
               "PATH=$SING_USER_DEFINED_PATH; unset SING_USER_DEFINED_PATH; fi\n";
    out += "export PATH\n";
}

void ld_library_path_edits(std::string& out) {
    out += "if [ -n \"${LD_LIBRARY_PATH-}\" ]; then\n"
           "  [ -z \"${PREPEND_LD_LIBRARY_PATH-}\" ] || LD_LIBRARY_PATH=\"$PREPEND_LD_LIBRARY_PATH:$LD_LIBRARY_PATH\"\n"
           "  [ -z \"${APPEND_LD_LIBRARY_PATH-}\" ] || LD_LIBRARY_PATH=\"$LD_LIBRARY_PATH:$APPEND_LD_LIBRARY_PATH\"\n"
           "fi\n";
}

// hpc's own library directories (--mpi host) go before whatever the scripts and the user set.
void library_path_first(std::string& out, const ContainerEnvironment& environment) {
    if (environment.library_path_first.empty()) return;
    std::string directories;
    for (const std::string& directory : environment.library_path_first)
        directories += (directories.empty() ? "" : ":") + directory;
    out += "export LD_LIBRARY_PATH=" + single_quoted(directories) + "${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}\n";
}

// A host variable comes back unless the scripts or the user set it; one they set empty goes.
// Then the carriers go, before anything is exec'd. The carriers stay exported while the
// image's scripts run: hiding them too would cost three commands a variable.
//
// Parsing is most of the cost of this script (dash spends some 100 instructions a byte,
// and parses a compound command whole, branches not taken included). So the host variables
// come back in groups: when the scripts set none of a group, which is usual, one test and
// one `export` do; otherwise _hpc_restore looks at each. Where that text would not fit in
// one argument, every variable goes through _hpc_restore, which is slower (an eval each) but
// names each variable once.
void restore_host_variables(std::string& out, const ContainerEnvironment& environment, bool compact) {
    const EnvVars& host = environment.host;
    if (host.empty()) return;
    out += "_hpc_restore() {\n"
           "  for _hpc_k; do\n"
           "    eval \"case \\${$_hpc_k+x}\\${$_hpc_k:+y} in '') export $_hpc_k=\\\"\\$" +
           std::string(host_carrier_prefix) + "$_hpc_k\\\";; x) unset $_hpc_k;; esac; unset " +
           std::string(host_carrier_prefix) + "$_hpc_k\"\n"
           "  done\n"
           "}\n";
    if (compact) {
        out += "_hpc_restore";
        for (const auto& [name, value] : host) out += " " + name;
        out += "\n";
        return;
    }
    constexpr size_t group_size = 32;
    for (size_t first = 0; first < host.size(); first += group_size) {
        size_t end = std::min(first + group_size, host.size());
        std::string any_set;
        std::string export_all = "export";
        std::string names;
        for (size_t i = first; i < end; ++i) {
            const std::string& name = host[i].first;
            any_set += "${" + name + "+x}";
            export_all += " " + name + "=\"$" + carrier(name) + "\"";
            names += " " + name;
        }
        out += "case " + any_set + " in '') " + export_all + ";; *) _hpc_restore" + names + ";; esac\n";
    }
    std::string unset = "unset";
    for (const auto& [name, value] : host) unset += " " + carrier(name);
    out += unset + "\n";
}

// Apptainer's prompt: PS1 if nothing set one, forced back through PROMPT_COMMAND when a
// bashrc in the container would replace it.
void prompt(std::string& out) {
    out += "[ -n \"${PS1-}\" ] || export PS1=" + single_quoted(default_ps1) +
           "\n"
           "if [ -z \"${PROMPT_COMMAND-}\" ]; then export PROMPT_COMMAND=\"PS1=\\\"$PS1\\\"; unset PROMPT_COMMAND\"\n"
           "else export PROMPT_COMMAND=\"$PROMPT_COMMAND; PROMPT_COMMAND=\\\"\\${PROMPT_COMMAND%%; "
           "PROMPT_COMMAND=*}\\\"; PS1=\\\"$PS1\\\"\"; fi\n";
}

// The shell's own message for a missing command varies ("sh: 1: exec: x: not found"); hpc
// says it once, the same way in every image, with the usual 127 and 126.
void define_exec(std::string& out) {
    out += "_hpc_exec() {\n"
           "  _hpc_p= _hpc_x=\n"
           "  case $1 in\n"
           "  */*) [ ! -e \"$1\" ] || _hpc_p=$1 ;;\n"
           "  ?*)\n"
           "    set -f; IFS=:\n"
           "    for _hpc_d in $PATH; do\n"
           "      _hpc_c=${_hpc_d:-.}/$1\n"
           "      if [ -f \"$_hpc_c\" ] && [ -x \"$_hpc_c\" ]; then _hpc_p=$_hpc_c; break; fi\n"
           "      [ -n \"$_hpc_x\" ] || [ ! -e \"$_hpc_c\" ] || _hpc_x=$_hpc_c\n"
           "    done\n"
           "    set +f; unset IFS ;;\n"
           "  esac\n"
           "  if [ -n \"$_hpc_p\" ] && [ ! -d \"$_hpc_p\" ] && [ -x \"$_hpc_p\" ]; then exec \"$@\"; fi\n"
           "  if [ -n \"$_hpc_p$_hpc_x\" ]; then\n"
           "    printf 'hpc: %s: not executable in the container\\n' \"$1\" >&2; exit " +
           std::to_string(exit_command_not_executable) +
           "\n"
           "  fi\n"
           "  printf 'hpc: %s: command not found in the container\\n' \"$1\" >&2; exit " +
           std::to_string(exit_command_not_found) +
           "\n"
           "}\n";
}

// What run, test and start exec: the active app's script, or the image's.
std::string program(const ImageFacts& image, Action action, std::string_view image_program) {
    return image.app ? single_quoted(app_action_program(*image.app, action)) : std::string(image_program);
}

void action_command(std::string& out, const ImageFacts& image, Action action, const std::string& shell) {
    switch (action) {
    case Action::exec:
        define_exec(out);
        out += "_hpc_exec \"$@\"\n";
        return;
    case Action::run:
        out += "exec " + program(image, action, image.has_runscript ? "/.singularity.d/runscript" : "/bin/sh") +
               " \"$@\"\n";
        return;
    case Action::test:
        out += "exec " + program(image, action, "/.singularity.d/test") + " \"$@\"\n";
        return;
    case Action::start:
        out += "exec " + program(image, action, "/.singularity.d/startscript") + " \"$@\"\n";
        return;
    case Action::shell:
        if (!shell.empty()) {
            define_exec(out);
            out += "_hpc_exec " + single_quoted(shell) + " \"$@\"\n";
        } else if (image.has_bin_bash) {
            out += "export SHELL=/bin/bash\nexec /bin/bash --norc \"$@\"\n";
        } else {
            out += "export SHELL=/bin/sh\nexec /bin/sh \"$@\"\n";
        }
        return;
    }
}

// The image's environment scripts in sourcing order and, with an app active, its activation (an
// empty entry) where Apptainer's images source 95-apps.sh, which it replaces: after the scripts
// that sort before that name (01-base.sh, 90-environment.sh, 94-appsbase.sh), before 99-base.sh.
std::vector<std::string> environment_steps(const ImageFacts& image) {
    std::vector<std::string> steps = image.env_scripts;
    if (!image.app) return steps;
    std::erase_if(steps, [](const std::string& script) { return script_name(script) == scif::active_app_script_name; });
    auto after = std::find_if(steps.begin(), steps.end(), [](const std::string& script) {
        return script_name(script) > scif::active_app_script_name;
    });
    steps.insert(after, std::string());
    return steps;
}

std::string write_script(const ContainerEnvironment& environment, const ImageFacts& image, Action action,
                         const std::string& shell, bool compact) {
    std::string out = "# hpc: the container's environment, then the action\n";
    clear_shell_presets(out, environment);
    define_ids(out, environment);

    bool docker_paths = false;
    for (const std::string& script : image.env_scripts) {
        std::string_view name = script_name(script);
        docker_paths = docker_paths || is_docker_environment_script(name);
    }
    if (docker_paths) define_fixpath(out);

    std::vector<std::string> steps = environment_steps(image);
    size_t inject_after = scripts_before_values(steps);
    auto inject_here = [&] {
        inject(out, environment);
        if (!steps.empty()) default_ld_library_path(out, environment);
    };
    if (inject_after == 0) inject_here();
    for (size_t i = 0; i < steps.size(); ++i) {
        const std::string& script = steps[i];
        if (script.empty()) {
            write_app_activation(out, *image.app);
            if (i + 1 == inject_after) inject_here();
            continue;
        }
        std::string_view name = script_name(script);
        std::string path = single_quoted(script);
        if (name == "90-environment.sh") out += "[ -n \"${PATH+x}\" ] || export PATH=" + single_quoted(default_path) + "\n";
        out += "[ ! -f " + path + " ] || . " + path + "\n";
        // Docker's images set a PATH of their own, often without /usr/local/sbin or /sbin.
        if (is_docker_environment_script(name)) out += "_hpc_fixpath\n";
        if (i + 1 == inject_after) inject_here();
    }

    user_path(out, environment);
    if (!steps.empty() || injects(environment, "PREPEND_LD_LIBRARY_PATH") ||
        injects(environment, "APPEND_LD_LIBRARY_PATH"))
        ld_library_path_edits(out);
    library_path_first(out, environment);
    forget_ids(out, environment);
    restore_host_variables(out, environment, compact);
    prompt(out);
    action_command(out, image, action, shell);
    return out;
}

}  // namespace

bool needs_evaluation(std::string_view value) { return value.find_first_of("$`\\") != std::string_view::npos; }

std::string_view script_name(std::string_view path) {
    size_t slash = path.rfind('/');
    return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

bool is_docker_environment_script(std::string_view name) {
    return name == "10-docker2singularity.sh" || name == "10-docker.sh" || name == "environment";
}

// 99-base.sh is the common ground of images since Singularity 2.3.
size_t scripts_before_values(const std::vector<std::string>& scripts) {
    for (size_t i = 0; i < scripts.size(); ++i)
        if (script_name(scripts[i]) == "99-base.sh") return i + 1;
    return scripts.size();
}

std::string action_script(const ContainerEnvironment& environment, const ImageFacts& image, Action action,
                          const std::string& shell) {
    std::string script = write_script(environment, image, action, shell, false);
    if (script.size() > compact_threshold) script = write_script(environment, image, action, shell, true);
    return script;
}

}  // namespace hpc::sandbox
