#include "cmd/build_command.hpp"

#include "builder/build.hpp"
#include "cmd/action_options.hpp"
#include "cmd/report.hpp"
#include "common/error.hpp"
#include "common/regular_file.hpp"
#include "sandbox/plan/bind_spec.hpp"
#include "site-config/site_config_file.hpp"

#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <cstdio>
#include <cstdlib>

namespace hpc::cmd {
namespace {

// As --env-file's: a file of NAME=VALUE lines, a few of them in any real one.
constexpr std::size_t max_build_arg_file_bytes = 1 << 20;

std::optional<int64_t> source_date_epoch() {
    const char* value = std::getenv("SOURCE_DATE_EPOCH");
    if (!value || !*value) return std::nullopt;
    char* end = nullptr;
    long long seconds = std::strtoll(value, &end, 10);
    if (*end != '\0' || seconds < 0)
        throw Error(ExitCode::usage, "SOURCE_DATE_EPOCH '" + std::string(value) + "': not a number of seconds");
    return seconds;
}

// "packing: 1234/5678 files, 120.5/300.0 MiB, 45.2 MiB/s", rewritten in place on a terminal,
// a notice like the build's others (none with --quiet or --silent).
class ProgressLine {
public:
    ProgressLine()
        : on_terminal_(::isatty(STDERR_FILENO) == 1 && notices_wanted()), start_(std::chrono::steady_clock::now()) {}
    ~ProgressLine() { end_line(); }
    // Ends the line being rewritten, so that the next message starts a line of its own.
    void end_line() {
        if (shown_) std::fputs("\n", stderr);
        shown_ = false;
    }
    void show(const image::SquashfsWriteProgress& progress) {
        if (!on_terminal_) return;
        double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
        auto mib = [](uint64_t bytes) { return static_cast<double>(bytes) / (1024.0 * 1024.0); };
        double rate = seconds > 0 ? mib(progress.bytes_done) / seconds : 0.0;
        if (progress.layers > 0)
            std::fprintf(stderr, "\rhpc: layer %u/%u (%s), %.1f/%.1f MiB, %.1f MiB/s   ", progress.layer,
                         progress.layers, progress.layer_data ? "packing" : "reading", mib(progress.bytes_done),
                         mib(progress.bytes_total), rate);
        else
            std::fprintf(stderr, "\rhpc: packing %llu/%llu files, %.1f/%.1f MiB, %.1f MiB/s   ",
                         static_cast<unsigned long long>(progress.files_done),
                         static_cast<unsigned long long>(progress.files_total), mib(progress.bytes_done),
                         mib(progress.bytes_total), rate);
        std::fflush(stderr);
        shown_ = true;
    }

private:
    bool on_terminal_;
    bool shown_ = false;
    std::chrono::steady_clock::time_point start_;
};

}  // namespace

void add_build_options(CLI::App& command, BuildOptions& options) {
    command.add_flag("-s,--sandbox", options.sandbox, "build a directory (sandbox) instead of a SIF");
    command.add_flag("-F,--force", options.force, "replace an existing destination");
    command.add_flag("-T,--notest", options.notest, "skip the definition's %test");
    command.add_flag("-f,--fakeroot", options.fakeroot,
                     "build as root with your subordinate ids behind it: %post may chown, useradd, apt-get; "
                     "needed by Bootstrap: debootstrap");
    command.add_flag("--ignore-subuid", options.ignore_subuid,
                     "ignore your subordinate id ranges: a definition build does not imply --fakeroot, and "
                     "--fakeroot is one id");
    command.add_option("--compression", options.compression, "squashfs compression: gzip, zstd, xz, lz4, lzo")
        ->check(CLI::IsMember({"gzip", "zstd", "xz", "lz4", "lzo"}));
    command.add_option("-B,--bind", options.binds, "bind a host path for %post and %test: src[:dst[:ro|rw]]")
        ->allow_extra_args(false);
    add_gpu_options(command, options.nv, options.nvccli, options.rocm);
    command.add_option("--build-arg", options.build_args, "a value for {{ NAME }} in the definition: NAME=VALUE")
        ->allow_extra_args(false);
    command.add_option("--build-arg-file", options.build_arg_file, "a file of NAME=VALUE lines for {{ NAME }}");
    command.add_flag("--warn-unused-build-args", options.warn_unused_build_args,
                     "a --build-arg the definition does not use is a warning, not an error");
    command.add_option("--arch", options.arch,
                       "the architecture to take from an OCI image index (amd64, arm64, ppc64le...; "
                       "default: this machine's)");
    command.add_option("--tmpdir", options.tmpdir, "where the build's work directory goes (default: $TMPDIR, else /tmp)");
    add_registry_options(command, options.registry);
    command.add_option("destination", options.destination, "the SIF file (or directory, with --sandbox) to write")
        ->required();
    command.add_option("source", options.source,
                       "a definition file, a SIF or squashfs image, a directory, an OCI image (oci:, oci-archive:, "
                       "docker-archive:) or docker://IMAGE")
        ->required();
}

int run_build_command(const BuildOptions& options) {
    builder::BuildRequest request;
    request.destination = options.destination;
    request.source = options.source;
    request.sandbox = options.sandbox;
    request.force = options.force;
    request.notest = options.notest;
    request.fakeroot = options.fakeroot;
    request.ignore_subuid = options.ignore_subuid;
    request.nv = wants_nvidia(options.nv, options.nvccli);
    request.rocm = options.rocm;
    request.warn_unused_build_args = options.warn_unused_build_args;
    request.compression = options.compression;
    request.architecture = options.arch;
    // Absolute: the work area is used from the build's own namespace too.
    if (!options.tmpdir.empty()) request.temporary_directory = std::filesystem::absolute(options.tmpdir).lexically_normal();
    for (const std::string& value : options.binds)
        for (sandbox::BindSpec& bind : sandbox::parse_bind_list(value)) request.binds.push_back(std::move(bind));
    if (!options.build_arg_file.empty()) {
        image::BuildArgFile file =
            image::parse_build_arg_file(options.build_arg_file, read_regular_file(options.build_arg_file, max_build_arg_file_bytes,
                                                                    "--build-arg-file " + options.build_arg_file));
        for (const std::string& warning : file.warnings) report_warning(warning);
        request.build_args = file.values;
    }
    // --build-arg after the file's values: later pairs win (Apptainer's precedence).
    for (auto& pair : image::parse_build_args(options.build_args)) request.build_args.push_back(std::move(pair));
    request.source_date_epoch = source_date_epoch();
    request.site = site::load_site_config(site::site_config_path());
    request.registry = registry_settings(options.registry, request.site, request.temporary_directory);

    ProgressLine progress;
    builder::BuildHooks hooks;
    hooks.warn = [&progress](const std::string& message) {
        progress.end_line();
        report_warning(message);
    };
    hooks.notice = [&progress](const std::string& message) {
        progress.end_line();
        report_notice(message);
    };
    hooks.progress = [&progress](const image::SquashfsWriteProgress& done) { progress.show(done); };
    builder::run_build(request, hooks);
    return 0;
}

}  // namespace hpc::cmd
