// overlay: writable overlay images, as Apptainer's `overlay` command makes them (builder/overlay_image.hpp).
//   hpc overlay create [--size MiB] [--sparse] [--create-dir DIR]... [--fakeroot] FILE|IMAGE.sif
#pragma once

#include <CLI/CLI.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace hpc::cmd {

struct OverlayOptions {
    uint64_t size_mib = 64;
    bool sparse = false;
    bool fakeroot = false;
    std::vector<std::string> directories;
    std::string tmpdir;
    std::string path;
};

// Adds `create` under the `overlay` command.
void add_overlay_options(CLI::App& command, OverlayOptions& options);

// Makes the overlay and says what was made; returns 0 or throws hpc::Error.
int run_overlay_command(const OverlayOptions& options);

}  // namespace hpc::cmd
