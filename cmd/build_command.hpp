// build: SIF images (or sandbox directories) from definition files, other images and
// directories, with Apptainer's options.
#pragma once

#include "cmd/registry_options.hpp"

#include <CLI/CLI.hpp>

#include <string>
#include <vector>

namespace hpc::cmd {

struct BuildOptions {
    bool sandbox = false;
    bool force = false;
    bool notest = false;
    bool fakeroot = false;
    bool ignore_subuid = false;
    std::string compression = "gzip";
    std::string arch;  // --arch: the platform taken from an OCI image index
    std::vector<std::string> binds;
    bool nv = false;
    bool nvccli = false;
    bool rocm = false;
    std::vector<std::string> build_args;
    std::string build_arg_file;
    bool warn_unused_build_args = false;
    std::string tmpdir;
    RegistryOptions registry;  // for docker:// sources and Bootstrap: docker or oras
    std::string destination;
    std::string source;
};

void add_build_options(CLI::App& command, BuildOptions& options);

// Returns 0 or throws hpc::Error.
int run_build_command(const BuildOptions& options);

}  // namespace hpc::cmd
