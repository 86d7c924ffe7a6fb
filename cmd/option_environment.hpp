// The environment forms of options. Apptainer gives nearly every option of its commands a
// variable, APPTAINER_<KEY> and the older SINGULARITY_<KEY> (APPTAINER_CLEANENV=1 is --cleanenv,
// APPTAINER_BIND and APPTAINER_BINDPATH are -B), read as if it were on the command line. hpc
// honours them for every option it has, under HPC_<KEY> too (but for -S and -W, whose HPC_
// names sites use for their own ends), from one table of Apptainer's keys (option_variables.cpp),
// and says so when one names an option hpc does not have.
#pragma once

#include <CLI/CLI.hpp>

#include <string>
#include <vector>

namespace hpc::cmd {

// Gives the options that `app`'s command line left out their values from `entries`
// ("NAME=VALUE" entries, the first of duplicates counting, as for getenv(3)): the root's own
// options (Apptainer's global ones) and those of the subcommand that was parsed, after
// app.parse(). Precedence, as Apptainer's with hpc's own name first: the command line, then
// HPC_, then APPTAINER_, then SINGULARITY_; among one option's keys (CWD before PWD) the first
// set wins; -B and --mount add the variables' values after the command line's, each key from its
// strongest prefix. An empty value is unset. Returns one warning per variable that does
// nothing: an Apptainer variable for an option hpc lacks, or one a stronger name overrides with
// another value. Throws hpc::Error(usage) naming the variable for a value its option refuses
// (a boolean that is not Go's 1/t/true/0/f/false, as Apptainer refuses it).
std::vector<std::string> apply_option_environment(CLI::App& app, const std::vector<std::string>& entries);

}  // namespace hpc::cmd
