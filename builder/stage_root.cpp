#include "builder/stage_root.hpp"

#include "common/error.hpp"
#include "common/text.hpp"
#include "sandbox/run/mount_ops.hpp"

namespace hpc::builder {

Bootstrap Bootstrap::of(const image::DefinitionStage& stage, const std::string& definition_name,
                        const std::string& architecture, const RegistrySettings& registry) {
    std::string agent = ascii_lower_case(stage.header_value("bootstrap"));
    std::string where = definition_name + ":" + std::to_string(stage.header_line) + ": ";
    Bootstrap bootstrap;
    if (agent == "scratch") return bootstrap;
    if (agent == "localimage") {
        bootstrap.agent = Agent::localimage;
        bootstrap.from = stage.header_value("from");
        if (bootstrap.from.empty()) throw Error(ExitCode::data, where + "Bootstrap: localimage needs a From: image");
        return bootstrap;
    }
    if (agent == "debootstrap") {
        bootstrap.agent = Agent::debootstrap;
        bootstrap.debootstrap = {stage.header_value("osversion"), stage.header_value("mirrorurl"),
                                 stage.header_value("include")};
        if (bootstrap.debootstrap.os_version.empty())
            throw Error(ExitCode::data, where + "Bootstrap: debootstrap needs an OSVersion: (e.g. bookworm)");
        if (bootstrap.debootstrap.mirror.empty())
            throw Error(ExitCode::data, where + "Bootstrap: debootstrap needs a MirrorURL:");
        return bootstrap;
    }
    if (image::oci::is_oci_agent(agent)) {
        std::string from = stage.header_value("from");
        if (from.empty()) throw Error(ExitCode::data, where + "Bootstrap: " + agent + " needs a From: image");
        bootstrap.agent = Agent::oci;
        bootstrap.from = from;  // for the build's notices; the image is written from `oci`
        try {
            bootstrap.oci = local_oci_source(image::oci::parse_bootstrap(agent, from), architecture);
        } catch (const Error& error) {
            throw Error(ExitCode::data, where + error.what());
        }
        return bootstrap;
    }
    if (agent == "docker" || agent == "oras") {
        std::string from = stage.header_value("from");
        if (from.empty()) throw Error(ExitCode::data, where + "Bootstrap: " + agent + " needs a From: image");
        image::registry::RegistryReference reference;
        try {
            reference = image::registry::parse_bootstrap_reference(agent, from, stage.header_value("registry"),
                                                                   stage.header_value("namespace"));
        } catch (const Error& error) {
            throw Error(ExitCode::data, where + error.what());
        }
        bootstrap.from = from;
        if (agent == "docker") {
            bootstrap.agent = Agent::oci;
            bootstrap.oci = registry_oci_source(reference, registry, architecture);
        } else {  // a SIF, the base as a local one is
            bootstrap.agent = Agent::localimage;
            bootstrap.from = cached_registry_sif(reference, registry, architecture, TagCheck::always, {});
        }
        return bootstrap;
    }
    throw Error(ExitCode::data, where + "bootstrap agent '" + agent +
                                    "' is not supported by this hpc (localimage, scratch, debootstrap, oci, "
                                    "oci-archive, docker-archive, docker, oras)");
}

StageRoot::StageRoot(WorkArea& area, const std::string& name, const Bootstrap& bootstrap, const sandbox::FakerootIds& ids,
                     std::function<void(const std::string&)> warn)
    : warn_(std::move(warn)) {
    std::string lower = area.directory(name + "/base");
    std::string image_path = bootstrap.from;
    if (bootstrap.agent == Bootstrap::Agent::oci) {
        image_path = area.path() + "/" + name + ".squashfs";
        write_oci_image_file(bootstrap.oci, area.directory(name + "/oci"), image_path, {{}, warn_});
    }
    if (bootstrap.agent == Bootstrap::Agent::localimage || bootstrap.agent == Bootstrap::Agent::oci) {
        image_ = image::ImageFile::open(image_path);
        if (image_->format() == image::ImageFormat::directory) {
            lower = image_->resolved_path();
        } else {
            // In the build's namespace root is the user: the image's root-owned files show as
            // root's, and so do owners the namespace does not map. With --fakeroot's ranges,
            // processes of the other ids (apt's _apt) read the image too.
            image::ServeOptions options;
            options.mapped_uids = {{0, sandbox::ids_inside(ids.uid_map)}};
            options.mapped_gids = {{0, sandbox::ids_inside(ids.gid_map)}};
            options.allow_other = options.mapped_uids[0].count > 1;
            server_.emplace(*image_, options);
            server_->mount(lower);
            area.track_mount(lower);
            server_->seal();
        }
    }
    std::string upper = area.directory(name + "/upper");
    std::string work = area.directory(name + "/work");
    root_ = area.directory(name + "/root");
    sandbox::mount_overlay(lower, upper, work, root_);
    area.track_mount(root_);
    if (bootstrap.agent == Bootstrap::Agent::debootstrap)
        run_debootstrap(bootstrap.debootstrap, root_, ids.ownership_ignored);
}

// A step that failed on a corrupt base gets "Input/output error" from the kernel and nothing
// more: the server's count and first cause say which image and where, as a launch says them.
StageRoot::~StageRoot() {
    if (!server_ || !warn_) return;
    try {
        if (std::optional<std::string> warning = image::describe(image_->path(), server_->failures())) warn_(*warning);
    } catch (...) {  // a warning that cannot be said must not end the build's unwinding
    }
}

}  // namespace hpc::builder
