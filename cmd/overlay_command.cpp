#include "cmd/overlay_command.hpp"

#include "builder/overlay_image.hpp"
#include "cmd/report.hpp"

#include <filesystem>

namespace hpc::cmd {

void add_overlay_options(CLI::App& command, OverlayOptions& options) {
    command.require_subcommand(1);
    CLI::App* create = command.add_subcommand("create", "make a writable ext3 overlay image, or add one to a SIF");
    options.size_mib = builder::default_overlay_size_mib;
    create->add_option("-s,--size", options.size_mib, "the overlay's size in MiB (default 64)")
        ->type_name("MiB")
        ->check(CLI::Range(builder::min_overlay_size_mib, builder::max_overlay_size_mib).description(""));
    create->add_flag("-S,--sparse", options.sparse, "a sparse file: its blocks allocated as they are written");
    create->add_option("--create-dir", options.directories, "a directory to make under the overlay's upper/")
        ->type_name("DIR")
        ->allow_extra_args(false);
    create->add_flag("-f,--fakeroot", options.fakeroot,
                     "the overlay's directories owned by root, for runs with --fakeroot");
    create->add_option("--tmpdir", options.tmpdir, "where the overlay's layout is made (default: $TMPDIR, else /tmp)");
    create->add_option("file", options.path, "a new ext3 image file to make, or a SIF to add the overlay to")
        ->required();
}

int run_overlay_command(const OverlayOptions& options) {
    builder::OverlayRequest request;
    request.path = options.path;
    request.size_mib = options.size_mib;
    request.sparse = options.sparse;
    request.fakeroot = options.fakeroot;
    request.directories = options.directories;
    if (!options.tmpdir.empty())
        request.temporary_parent = std::filesystem::absolute(options.tmpdir).lexically_normal();
    builder::OverlayResult result = builder::create_overlay(request);
    if (!result.mke2fs_said.empty()) report_warning("mke2fs: " + result.mke2fs_said);
    std::string size = std::to_string(request.size_mib) + " MiB";
    if (result.added_to_sif)
        report_notice("added an ext3 overlay partition of " + size + " to " + request.path + " (ID " +
                      std::to_string(result.partition_id) + ")");
    else
        report_notice("created " + request.path + " (ext3 overlay, " + size + ")");
    return 0;
}

}  // namespace hpc::cmd
