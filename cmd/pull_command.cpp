#include "cmd/pull_command.hpp"

#include "builder/build.hpp"
#include "builder/build_output.hpp"
#include "builder/work_area.hpp"
#include "cmd/report.hpp"
#include "common/error.hpp"
#include "image/registry/oras_sif.hpp"
#include "image/tree/image_file.hpp"
#include "site-config/site_config_file.hpp"

#include <filesystem>
#include <optional>

namespace hpc::cmd {
namespace {

using image::registry::RegistryReference;

RegistryReference registry_reference(const std::string& source, const std::string& command) {
    if (!image::registry::is_registry_source(source))
        throw Error(ExitCode::usage, source + ": " + command + " takes docker:// or oras:// references "
                                              "(library:// and shub:// are not supported by hpc)");
    return image::registry::parse_registry_source(source);
}

std::string destination_of(const PullOptions& options, const RegistryReference& reference) {
    std::string name = options.words.size() == 2 ? options.words[0] : image::registry::default_pull_name(reference);
    if (!options.dir.empty() && !name.starts_with('/')) name = options.dir + "/" + name;
    return builder::normalized_destination(name);
}

}  // namespace

void add_pull_options(CLI::App& command, PullOptions& options) {
    command.add_flag("-F,--force", options.force, "replace an existing DEST");
    command.add_option("--arch", options.arch,
                       "the architecture to take from an image index (amd64, arm64, ppc64le...; default: this "
                       "machine's)");
    command.add_option("--dir", options.dir, "the directory DEST goes in");
    command.add_option("--tmpdir", options.tmpdir, "where temporary files go (default: $HPC_TMPDIR, $TMPDIR, /tmp)");
    add_registry_options(command, options.registry);
    command.add_option("words", options.words, "[DEST] SOURCE: the SIF to write (default: NAME_TAG.sif), and "
                                               "docker://IMAGE or oras://REGISTRY/IMAGE")
        ->required()
        ->expected(1, 2);
}

void add_push_options(CLI::App& command, PushOptions& options) {
    add_registry_options(command, options.registry);
    command.add_option("image", options.image, "the SIF file to push")->required();
    command.add_option("destination", options.destination, "oras://REGISTRY/REPOSITORY[:TAG]")->required();
}

int run_pull(const PullOptions& options) {
    RegistryReference reference = registry_reference(options.words.back(), "pull");
    std::string destination = destination_of(options, reference);
    builder::check_destination(destination, options.force);
    site::SiteConfig site = site::load_site_config(site::site_config_path());
    std::string tmpdir = options.tmpdir.empty() ? "" : std::filesystem::absolute(options.tmpdir).lexically_normal().string();
    builder::RegistrySettings settings = registry_settings(options.registry, site, tmpdir);

    // Without the cache a docker image is built straight into DEST, as `hpc build` would.
    if (settings.disable_cache && reference.scheme == image::registry::Scheme::docker) {
        builder::BuildRequest request;
        request.destination = destination;
        request.source = options.words.back();
        request.force = options.force;
        request.architecture = options.arch;
        request.site = site;
        request.registry = settings;
        request.temporary_directory = settings.temporary_directory;
        builder::run_build(request, {[](const std::string& m) { report_warning(m); },
                                     [](const std::string& m) { report_notice(m); }, {}});
        return 0;
    }
    // An oras SIF without the cache goes through one of its own, removed afterwards.
    std::optional<builder::WorkArea> area;
    if (settings.disable_cache) {
        area.emplace(settings.temporary_directory);
        settings.cache_root = area->directory("cache");
    }
    std::string sif = builder::cached_registry_sif(reference, settings, options.arch, builder::TagCheck::always,
                                                   {[](const std::string& m) { report_notice(m); },
                                                    [](const std::string& m) { report_warning(m); }});
    builder::copy_into_place(sif, destination, options.force);
    report_notice("pulled " + builder::describe_sif(destination));
    return 0;
}

int run_push(const PushOptions& options) {
    RegistryReference reference = registry_reference(options.destination, "push");
    if (reference.scheme != image::registry::Scheme::oras)
        throw Error(ExitCode::usage, options.destination + ": hpc pushes SIFs to oras:// references");
    image::ImageFile image = image::ImageFile::open(options.image);
    if (image.format() != image::ImageFormat::sif)
        throw Error(ExitCode::data, options.image + ": not a SIF (oras:// holds SIF files; hpc build makes one)");
    site::SiteConfig site = site::load_site_config(site::site_config_path());
    builder::RegistrySettings settings = registry_settings(options.registry, site, "");
    std::string title = std::filesystem::path(options.image).filename().string();
    std::string digest =
        image::registry::push_sif(reference, settings.access, image.fd(), image.file_size(), title);
    report_notice("pushed " + options.image + " to " + reference.text + " (" + digest + ")");
    return 0;
}

}  // namespace hpc::cmd
