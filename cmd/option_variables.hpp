// Apptainer's option variables as a table: for each option of Apptainer's global, action
// (exec, run, shell, test), build and pull commands that has variables, its keys (the names after
// APPTAINER_ or SINGULARITY_), how a value is read, the commands that read it and the prefixes
// it is read under (hpc's own options have an HPC_ variable alone; a few keys sites use for
// their own ends, Apptainer's alone). cmd/option_environment.cpp applies it.
#pragma once

#include <span>
#include <string_view>

namespace hpc::cmd {

// Which of Apptainer's commands read a variable: those its flag is registered on.
enum OptionScope : unsigned {
    global_scope = 1,  // the root command: apptainer --debug ...
    action_scope = 2,  // exec, run, shell, test
    shell_scope = 4,   // shell alone (--shell)
    build_scope = 8,
    pull_scope = 16,
};

enum class ValueKind {
    boolean,  // Go's strconv.ParseBool, as pflag reads a bool: 1 t T TRUE true True, 0 f F FALSE false False
    value,    // one value, its ends trimmed (Apptainer's EnvSetValue)
    list,     // comma-separated, each item trimmed (EnvSetValue on a string slice)
    append,   // added after the command line's values, as given (EnvAppendValue: -B, --mount)
};

// What a set variable means when hpc's command lacks the option.
enum class WhenAbsent {
    warn,  // Apptainer would do something hpc does not: one warning line
    met,   // what it asks is what hpc always does (no cache to disable, always a user namespace)
    read,  // hpc reads the variable itself where it is used, as no option (CACHEDIR: image/cache)
};

// Which prefixes a row's variables are read under.
enum class Prefixes {
    every,      // HPC_, APPTAINER_ and SINGULARITY_
    hpc,        // an option of hpc's alone: HPC_<KEY> and no other
    apptainer,  // APPTAINER_ and SINGULARITY_ alone: a key sites commonly set under HPC_ for
                // their own ends (HPC_SCRATCH, HPC_WORKDIR: a scratch file system's path) must
                // not become a request to hpc
};

struct OptionVariable {
    unsigned scopes;
    std::string_view option;  // the long option, "--bind"; "" for a setting that is no option
    std::string_view keys;    // space-separated, in Apptainer's order: "BIND BINDPATH"
    ValueKind kind;
    WhenAbsent absent = WhenAbsent::warn;
    // Why an absent one is ignored, where "hpc CMD has no --OPTION" does not say it.
    std::string_view note = {};
    Prefixes prefixes = Prefixes::every;
};

std::span<const OptionVariable> option_variables();

// Apptainer's scope of hpc's command at `path`: "" (hpc itself) is the global one, "exec" (and
// "instance start") the actions', "shell" theirs and its own... 0 for a command of hpc's own
// (config, cache, slurm) and for inspect, which has no option variables in Apptainer (nor, among
// those hpc has, does push).
unsigned command_scope(std::string_view path);

}  // namespace hpc::cmd
