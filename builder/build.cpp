#include "builder/build.hpp"

#include "builder/base_environment.hpp"
#include "builder/build_identity.hpp"
#include "builder/container_step.hpp"
#include "builder/debootstrap.hpp"
#include "builder/file_copies.hpp"
#include "builder/host_command.hpp"
#include "builder/oci_image.hpp"
#include "builder/scif_apps.hpp"
#include "builder/stage_metadata.hpp"
#include "builder/build_output.hpp"
#include "builder/stage_root.hpp"
#include "builder/tree_files.hpp"
#include "common/regular_file.hpp"
#include "builder/work_area.hpp"
#include "common/error.hpp"
#include "common/unique_fd.hpp"
#include "common/version.hpp"
#include "image/sif/sif.hpp"
#include "sandbox/run/namespaces.hpp"
#include "sandbox/run/supervisor.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <ctime>
#include <memory>

namespace hpc::builder {
namespace {

enum class SourceKind { directory, image, definition };

// A definition is text a person wrote: the largest known are tens of KiB.
constexpr std::size_t max_definition_bytes = 4 << 20;

struct Source {
    SourceKind kind;
    std::string definition;  // its text, for SourceKind::definition
};

// What SOURCE is, from one descriptor: a FIFO or a device named by mistake is refused at once,
// neither waited on nor read without end.
Source source_of(const std::string& path) {
    UniqueFd file(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY));
    if (!file) throw_errno(path);
    struct stat status {};
    if (::fstat(file.get(), &status) != 0) throw_errno(path);
    if (S_ISDIR(status.st_mode)) return {SourceKind::directory, {}};
    if (!S_ISREG(status.st_mode))
        throw Error(ExitCode::usage, path + ": not a definition file, an image or a directory");
    // The content decides, never the name: squashfs's magic at 0, SIF's at 32.
    char head[48] = {};
    ssize_t got = ::pread(file.get(), head, sizeof head, 0);
    std::string_view bytes(head, got > 0 ? static_cast<std::size_t>(got) : 0);
    if (bytes.starts_with("hsqs") || (bytes.size() >= 41 && bytes.substr(32, 9) == "SIF_MAGIC"))
        return {SourceKind::image, {}};
    return {SourceKind::definition, read_regular_file(file.get(), max_definition_bytes, path)};
}

// A step's status, as a build sees it: a signal that stops builds ends it as interrupted.
// `hint`: what a failure adds (a root-mapped %post: what package managers need).
void check_step(int status, const std::string& what, const std::string& hint = {}) {
    if (status == 128 + SIGINT || status == 128 + SIGTERM || status == 128 + SIGHUP)
        throw Error(ExitCode::interrupted, what + " was interrupted");
    // What the kernel's OOM killer sends; else only a kill -9 does.
    if (status == 128 + SIGKILL)
        throw Error(ExitCode::data, what + " was killed (SIGKILL: out of memory, the kernel's OOM killer, or a kill -9)");
    if (status != 0)
        throw Error(ExitCode::data,
                    what + " failed (exit status " + std::to_string(status) + ")" + (hint.empty() ? "" : "; " + hint));
}

// Packing takes long: a ^C meanwhile (blocked, so pending) ends the build where it stands.
std::function<void(const image::SquashfsWriteProgress&)> interruptible(const BuildHooks& hooks) {
    return [&hooks](const image::SquashfsWriteProgress& progress) {
        if (sandbox::pending_stop_signal()) throw Error(ExitCode::interrupted, "the build was interrupted");
        if (hooks.progress) hooks.progress(progress);
    };
}

PackOptions pack_options(const BuildRequest& request, const BuildHooks& hooks, bool keep_owners,
                         std::string definition_text) {
    PackOptions options;
    options.keep_owners = keep_owners;
    options.compression = request.compression;
    options.source_date_epoch = request.source_date_epoch;
    options.definition_text = std::move(definition_text);
    options.replace = request.force;
    options.progress = interruptible(hooks);
    return options;
}

void pack(const std::string& tree, const BuildRequest& request, const BuildHooks& hooks, const BuildIdentity& identity,
          std::string definition_text) {
    hooks.notice("writing " + request.destination);
    PackOptions options = pack_options(request, hooks, identity.keeps_owners(), std::move(definition_text));
    if (request.sandbox)
        pack_directory(tree, request.destination, options);
    else
        pack_sif(tree, request.destination, options);
}

// Root in the build's namespace is the user: what %post makes belongs to them on the host.
// With --fakeroot their subordinate ids follow (or, without any, the ownership filter).
void enter_build_namespace(const BuildIdentity& identity, const BuildHooks& hooks) {
    if (!identity.implied.empty()) hooks.notice(identity.implied);
    for (const std::string& warning : identity.ids.warnings) hooks.warn(warning);
    sandbox::enter_user_namespace(identity.ids.uid_map, identity.ids.gid_map);
}

// A host script of the definition (%pre, %setup), run with the stage's tree at $APPTAINER_ROOTFS.
void run_host_script(const image::Script& script, const std::string& name, const std::string& root,
                     const WorkArea& area, const sandbox::FakerootIds& ids, const BuildHooks& hooks) {
    if (script.body.empty()) return;
    hooks.notice("running %" + name);
    std::string path = area.path() + "/" + name + ".script";
    write_file(path, script.body, 0700);
    std::vector<std::string> environment = environment_with(
        {"APPTAINER_ROOTFS=" + root, "SINGULARITY_ROOTFS=" + root, "HPC_ROOTFS=" + root,
         "APPTAINER_ENVIRONMENT=/.singularity.d/env/91-environment.sh",
         "SINGULARITY_ENVIRONMENT=/.singularity.d/env/91-environment.sh"});
    check_step(run_host_command(section_command(path, script.args), environment, {ids.ownership_ignored, false}),
               "%" + name);
}

// A section run in the stage's tree, with what the build was asked to bring from the host.
ContainerStep section_step(const std::string& root, sandbox::Action action, std::vector<std::string> args,
                           bool writable, const BuildRequest& request, bool ownership_ignored) {
    return {.root = root,
            .action = action,
            .args = std::move(args),
            .writable = writable,
            .binds = request.binds,
            .nv = request.nv,
            .rocm = request.rocm,
            .site = request.site,
            .ownership_ignored = ownership_ignored};
}

// %post, and the apps' %appinstall after it in the same script, as Apptainer runs them.
void run_post(const image::DefinitionStage& stage, const std::string& root, const BuildRequest& request,
              const BuildHooks& hooks, const BuildIdentity& identity) {
    const std::string installs = app_install_script(stage);
    if (stage.post.body.empty() && installs.empty()) return;
    const std::string what = installs.empty()            ? "%post"
                             : stage.post.body.empty() ? "%appinstall"
                                                       : "%post and %appinstall";
    hooks.notice("running " + what);
    const std::string script = "/.post.script";
    write_file(root + script, stage.post.body + installs, 0755);
    ContainerStep step = section_step(root, sandbox::Action::exec, section_command(script, stage.post.args), true,
                                      request, identity.ids.ownership_ignored);
    int status = run_container_step(step, hooks.warn);
    ::unlink((root + script).c_str());
    check_step(status, what, identity.root_mapped_hint);
}

void run_test(const image::DefinitionStage& stage, const std::string& root, const BuildRequest& request,
              const BuildHooks& hooks, const sandbox::FakerootIds& ids) {
    if (stage.test.body.empty() || request.notest) return;
    hooks.notice("running %test");
    ContainerStep step = section_step(root, sandbox::Action::test, {}, false, request, ids.ownership_ignored);
    check_step(run_container_step(step, hooks.warn), "%test");
}

std::size_t stage_named(const std::vector<image::DefinitionStage>& stages, std::size_t before, const std::string& name) {
    for (std::size_t index = 0; index < before; ++index)
        if (stages[index].name == name) return index;
    throw Error(ExitCode::data, "%files from " + name + ": no earlier stage has that name");
}

// The stage's %files sections of one kind, in order: those from earlier stages (`from_stages`),
// copied before %setup, or those from the host, after it (Apptainer's order).
void copy_stage_files(const image::DefinitionStage& stage, bool from_stages, const std::string& root,
                      const std::vector<image::DefinitionStage>& stages, std::size_t index,
                      const std::vector<std::unique_ptr<StageRoot>>& roots, const BuildHooks& hooks) {
    for (const image::FilesSection& files : stage.files) {
        if (files.from_stage.empty() == from_stages) continue;
        hooks.notice(from_stages ? "copying %files from " + files.from_stage : "copying %files");
        copy_files(files, from_stages ? roots[stage_named(stages, index, files.from_stage)]->path() : "", root);
    }
}

void build_from_definition(const BuildRequest& request, const BuildHooks& hooks, const std::string& text) {
    image::Definition definition =
        image::parse_definition(text, request.source, request.build_args,
                                request.warn_unused_build_args ? image::UnusedBuildArgs::warn : image::UnusedBuildArgs::error);
    for (const std::string& warning : definition.warnings) hooks.warn(warning);
    BuildIdentity identity = choose_build_identity(request.fakeroot, request.ignore_subuid, true, request.site);
    std::vector<Bootstrap> bootstraps;
    for (const image::DefinitionStage& stage : definition.stages) {
        bootstraps.push_back(Bootstrap::of(stage, request.source, request.architecture, request.registry));
        if (bootstraps.back().needs_fakeroot() && !identity.fakeroot)
            throw Error(ExitCode::usage, request.source + ":" + std::to_string(stage.header_line) + ": Bootstrap: " +
                                             stage.header_value("bootstrap") +
                                             " needs --fakeroot (packages own files as users other than root)");
        if (bootstraps.back().agent == Bootstrap::Agent::debootstrap) debootstrap_program();  // installed?
    }
    check_host_sources(definition, request.source);

    MetadataContext context;
    context.build_time = request.source_date_epoch.value_or(static_cast<int64_t>(std::time(nullptr)));
    context.arch = image::sif_arch_name(image::host_sif_arch());
    context.hpc_version = version;

    WorkArea area(request.temporary_directory);
    enter_build_namespace(identity, hooks);
    const sandbox::FakerootIds& ids = identity.ids;
    std::vector<std::unique_ptr<StageRoot>> roots;
    for (std::size_t index = 0; index < definition.stages.size(); ++index) {
        const image::DefinitionStage& stage = definition.stages[index];
        std::string label = stage.name.empty() ? "stage " + std::to_string(index + 1) : "stage " + stage.name;
        hooks.notice(label + ": " + stage.header_value("bootstrap") +
                     (bootstraps[index].from.empty() ? "" : " from " + bootstraps[index].from));
        run_host_script(stage.pre, "pre", "", area, ids, hooks);
        roots.push_back(
            std::make_unique<StageRoot>(area, "stage" + std::to_string(index), bootstraps[index], ids, hooks.warn));
        const std::string& root = roots.back()->path();
        make_base_environment(root);
        if (!stage.apps.empty()) {
            std::string names;
            for (const image::ScifApp& app : stage.apps) names += (names.empty() ? "" : ", ") + app.name;
            hooks.notice("laying out the SCIF apps " + names);
            lay_out_apps(root, stage);
        }
        copy_stage_files(stage, true, root, definition.stages, index, roots, hooks);
        run_host_script(stage.setup, "setup", root, area, ids, hooks);
        copy_stage_files(stage, false, root, definition.stages, index, roots, hooks);
        run_post(stage, root, request, hooks, identity);
        for (const std::string& warning : write_metadata(root, stage, definition.text, context)) hooks.warn(warning);
        run_test(stage, root, request, hooks, ids);
    }
    pack(roots.back()->path(), request, hooks, identity, definition.text);
}

// Another image, repacked: its tree served in place, packed as it is. `base` is a localimage
// or, for a sandbox of an OCI image, that image.
void build_from_image(const BuildRequest& request, const BuildHooks& hooks, const Bootstrap& base) {
    BuildIdentity identity = choose_build_identity(request.fakeroot, request.ignore_subuid, false, request.site);
    WorkArea area(request.temporary_directory);
    enter_build_namespace(identity, hooks);
    StageRoot source(area, "source", base, identity.ids, hooks.warn);
    pack(source.path(), request, hooks, identity, {});
}

// An OCI image: its layers streamed into the SIF's squashfs, owners as they say, nothing
// unpacked. A sandbox needs the tree on disk: the image is served and copied like a SIF.
// docker://: an image whose blobs come through the cache; oras://, a SIF, is pulled, not built.
OciImageSource registry_source(const BuildRequest& request) {
    image::registry::RegistryReference reference = image::registry::parse_registry_source(request.source);
    if (reference.scheme == image::registry::Scheme::oras)
        throw Error(ExitCode::usage, request.source + ": an oras:// image is a SIF already: hpc pull fetches it");
    return registry_oci_source(reference, request.registry, request.architecture);
}

void build_from_oci(const BuildRequest& request, const BuildHooks& hooks, const OciImageSource& source) {
    if (request.sandbox) {
        Bootstrap base;
        base.agent = Bootstrap::Agent::oci;
        base.oci = source;
        base.oci.devices_as_files = true;
        build_from_image(request, hooks, base);
        return;
    }
    WorkArea area(request.temporary_directory);
    hooks.notice("writing " + request.destination);
    PackOptions options = pack_options(request, hooks, true, {});
    pack_sif([&](int fd, uint64_t offset, const image::SquashfsWriteOptions& squashfs) {
        WrittenOciImage written =
            write_oci_image(source, area.path(), fd, offset, squashfs, {hooks.notice, hooks.warn});
        return ProducedSquashfs{written.written,
                                written.architecture.empty() ? "" : image::sif_arch_code(written.architecture)};
    }, request.destination, options);
}

// A directory, packed as it is. With --fakeroot it is read as that root, in its namespace: a
// sandbox built with --fakeroot has directories of the user's subordinate ids (apt's 0700
// partial/), which root there may read and the user outside may not.
void build_from_directory(const BuildRequest& request, const BuildHooks& hooks) {
    BuildIdentity identity = choose_build_identity(request.fakeroot, request.ignore_subuid, false, request.site);
    if (identity.fakeroot) {
        enter_build_namespace(identity, hooks);
        pack(request.source, request, hooks, identity, {});
        return;
    }
    try {
        pack(request.source, request, hooks, identity, {});
    } catch (const Error& error) {
        if (error.code() != ExitCode::no_input || error.sys_errno() != EACCES) throw;  // not a read of SOURCE
        throw Error(ExitCode::denied,
                    std::string(error.what()) +
                        " (an entry you cannot read: a sandbox built with --fakeroot, whose files belong to your "
                        "subordinate ids, is packed with --fakeroot)",
                    EACCES);
    }
}

}  // namespace

void run_build(const BuildRequest& asked, const BuildHooks& hooks) {
    BuildRequest request = asked;
    request.destination = normalized_destination(asked.destination);
    check_destination(request.destination, request.force);
    // Blocked, so that a ^C during packing is seen (and the build ends cleanly) rather than
    // killing the build with its temporary files and mounts.
    sandbox::take_over_signals();
    std::optional<OciImageSource> oci;
    if (image::oci::is_oci_source(request.source))
        oci = local_oci_source(image::oci::parse_source(request.source), request.architecture);
    else if (image::registry::is_registry_source(request.source))
        oci = registry_source(request);
    if (oci) {
        build_from_oci(request, hooks, *oci);
        hooks.notice(describe_built(request.destination, request.sandbox));
        return;
    }
    Source source = source_of(request.source);
    switch (source.kind) {
    case SourceKind::directory:
        build_from_directory(request, hooks);
        break;
    case SourceKind::image:
        build_from_image(request, hooks, Bootstrap{Bootstrap::Agent::localimage, request.source, {}, {}});
        break;
    case SourceKind::definition:
        build_from_definition(request, hooks, source.definition);
        break;
    }
    hooks.notice(describe_built(request.destination, request.sandbox));
}

}  // namespace hpc::builder
