// pull and push: images between registries and SIF files, with Apptainer's options. pull takes
// docker:// (the image built into a SIF, kept in the cache) and oras:// (a SIF, fetched into the
// cache); push sends a SIF as an oras:// artifact.
#pragma once

#include "cmd/registry_options.hpp"

#include <CLI/CLI.hpp>

#include <string>
#include <vector>

namespace hpc::cmd {

struct PullOptions {
    bool force = false;
    std::string arch;
    std::string dir;  // --dir: where DEST goes
    std::string tmpdir;
    RegistryOptions registry;
    std::vector<std::string> words;  // [DEST] SOURCE
};

struct PushOptions {
    RegistryOptions registry;
    std::string image;
    std::string destination;  // oras://...
};

void add_pull_options(CLI::App& command, PullOptions& options);
void add_push_options(CLI::App& command, PushOptions& options);

// Each returns 0 or throws hpc::Error.
int run_pull(const PullOptions& options);
int run_push(const PushOptions& options);

}  // namespace hpc::cmd
