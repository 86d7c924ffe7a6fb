#include "builder/build.hpp"

#include "builder/base_environment.hpp"
#include "builder/container_step.hpp"
#include "builder/debootstrap.hpp"
#include "builder/file_copies.hpp"
#include "builder/host_command.hpp"
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
#include "sandbox/plan/fakeroot.hpp"
#include "sandbox/run/gather_host_facts.hpp"
#include "sandbox/run/read_subordinate_ids.hpp"
#include "sandbox/run/namespaces.hpp"
#include "sandbox/plan/site_policy.hpp"
#include "sandbox/run/supervisor.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

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
void check_step(int status, const std::string& what) {
    if (status == 128 + SIGINT || status == 128 + SIGTERM || status == 128 + SIGHUP)
        throw Error(ExitCode::interrupted, what + " was interrupted");
    if (status != 0) throw Error(ExitCode::data, what + " failed (exit status " + std::to_string(status) + ")");
}

// Packing takes long: a ^C meanwhile (blocked, so pending) ends the build where it stands.
std::function<void(const image::SquashfsWriteProgress&)> interruptible(const BuildHooks& hooks) {
    return [&hooks](const image::SquashfsWriteProgress& progress) {
        if (sandbox::pending_stop_signal()) throw Error(ExitCode::interrupted, "the build was interrupted");
        if (hooks.progress) hooks.progress(progress);
    };
}

PackOptions pack_options(const BuildRequest& request, const BuildHooks& hooks, std::string definition_text) {
    PackOptions options;
    options.keep_owners = request.fakeroot;
    options.compression = request.compression;
    options.source_date_epoch = request.source_date_epoch;
    options.definition_text = std::move(definition_text);
    options.replace = request.force;
    options.progress = interruptible(hooks);
    return options;
}

void pack(const std::string& tree, const BuildRequest& request, const BuildHooks& hooks, std::string definition_text) {
    PackOptions options = pack_options(request, hooks, std::move(definition_text));
    if (request.sandbox)
        pack_directory(tree, request.destination, options);
    else
        pack_sif(tree, request.destination, options);
}

// Root in the build's namespace is the user: what %post makes belongs to them on the host.
// With --fakeroot their subordinate ids follow (or, without any, the ownership filter).
sandbox::FakerootIds enter_build_namespace(const BuildRequest& request, const BuildHooks& hooks) {
    sandbox::FakerootIds ids;
    if (request.fakeroot) {
        sandbox::check_fakeroot(request.site, false);
        sandbox::UserIdentity user = sandbox::gather_host_facts().user;
        ids = sandbox::plan_fakeroot(user.name, user.uid, user.gid, sandbox::read_subordinate_ids(user.name));
        if (ids.ownership_ignored) sandbox::check_fakeroot(request.site, true);
        for (const std::string& warning : ids.warnings) hooks.warn(warning);
    } else {
        ids.uid_map = {{0, ::getuid(), 1}};
        ids.gid_map = {{0, ::getgid(), 1}};
    }
    sandbox::enter_user_namespace(ids.uid_map, ids.gid_map);
    return ids;
}

// A host script of the definition (%pre, %setup), run with the stage's tree at $APPTAINER_ROOTFS.
void run_host_script(const image::Script& script, const std::string& name, const std::string& root,
                     const WorkArea& area, const sandbox::FakerootIds& ids) {
    if (script.body.empty()) return;
    std::string path = area.path() + "/" + name + ".script";
    write_file(path, script.body, 0700);
    std::vector<std::string> environment = environment_with(
        {"APPTAINER_ROOTFS=" + root, "SINGULARITY_ROOTFS=" + root, "HPC_ROOTFS=" + root,
         "APPTAINER_ENVIRONMENT=/.singularity.d/env/91-environment.sh",
         "SINGULARITY_ENVIRONMENT=/.singularity.d/env/91-environment.sh"});
    check_step(run_host_command(section_command(path, script.args), environment, {ids.ownership_ignored, false}),
               "%" + name);
}

void run_post(const image::DefinitionStage& stage, const std::string& root, const BuildRequest& request,
              const BuildHooks& hooks, const sandbox::FakerootIds& ids) {
    if (stage.post.body.empty()) return;
    const std::string script = "/.post.script";
    write_file(root + script, stage.post.body, 0755);
    ContainerStep step{root, sandbox::Action::exec, section_command(script, stage.post.args), true, request.binds, request.site,
                       ids.ownership_ignored};
    int status = run_container_step(step, hooks.warn);
    ::unlink((root + script).c_str());
    check_step(status, "%post");
}

void run_test(const image::DefinitionStage& stage, const std::string& root, const BuildRequest& request,
              const BuildHooks& hooks, const sandbox::FakerootIds& ids) {
    if (stage.test.body.empty() || request.notest) return;
    ContainerStep step{root, sandbox::Action::test, {}, false, request.binds, request.site, ids.ownership_ignored};
    check_step(run_container_step(step, hooks.warn), "%test");
}

std::size_t stage_named(const std::vector<image::DefinitionStage>& stages, std::size_t before, const std::string& name) {
    for (std::size_t index = 0; index < before; ++index)
        if (stages[index].name == name) return index;
    throw Error(ExitCode::data, "%files from " + name + ": no earlier stage has that name");
}

void build_from_definition(const BuildRequest& request, const BuildHooks& hooks, const std::string& text) {
    image::Definition definition =
        image::parse_definition(text, request.source, request.build_args,
                                request.warn_unused_build_args ? image::UnusedBuildArgs::warn : image::UnusedBuildArgs::error);
    for (const std::string& warning : definition.warnings) hooks.warn(warning);
    std::vector<Bootstrap> bootstraps;
    for (const image::DefinitionStage& stage : definition.stages) {
        bootstraps.push_back(Bootstrap::of(stage, request.source));
        if (bootstraps.back().needs_fakeroot() && !request.fakeroot)
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
    sandbox::FakerootIds ids = enter_build_namespace(request, hooks);
    std::vector<std::unique_ptr<StageRoot>> roots;
    for (std::size_t index = 0; index < definition.stages.size(); ++index) {
        const image::DefinitionStage& stage = definition.stages[index];
        std::string label = stage.name.empty() ? "stage " + std::to_string(index + 1) : "stage " + stage.name;
        hooks.notice(label + ": " + stage.header_value("bootstrap") +
                     (bootstraps[index].from.empty() ? "" : " from " + bootstraps[index].from));
        run_host_script(stage.pre, "pre", "", area, ids);
        roots.push_back(
            std::make_unique<StageRoot>(area, "stage" + std::to_string(index), bootstraps[index], ids, hooks.warn));
        const std::string& root = roots.back()->path();
        make_base_environment(root);
        for (const image::FilesSection& files : stage.files)
            if (!files.from_stage.empty())
                copy_files(files, roots[stage_named(definition.stages, index, files.from_stage)]->path(), root);
        run_host_script(stage.setup, "setup", root, area, ids);
        for (const image::FilesSection& files : stage.files)
            if (files.from_stage.empty()) copy_files(files, "", root);
        run_post(stage, root, request, hooks, ids);
        for (const std::string& warning : write_metadata(root, stage, definition.text, context)) hooks.warn(warning);
        run_test(stage, root, request, hooks, ids);
    }
    hooks.notice("writing " + request.destination);
    pack(roots.back()->path(), request, hooks, definition.text);
}

// Another image, repacked: its tree served in place, packed as it is.
void build_from_image(const BuildRequest& request, const BuildHooks& hooks) {
    WorkArea area(request.temporary_directory);
    sandbox::FakerootIds ids = enter_build_namespace(request, hooks);
    StageRoot source(area, "source", Bootstrap{Bootstrap::Agent::localimage, request.source, {}}, ids, hooks.warn);
    hooks.notice("writing " + request.destination);
    pack(source.path(), request, hooks, {});
}

}  // namespace

void run_build(const BuildRequest& request, const BuildHooks& hooks) {
    check_destination(request.destination, request.force);
    // Blocked, so that a ^C during packing is seen (and the build ends cleanly) rather than
    // killing the build with its temporary files and mounts.
    sandbox::take_over_signals();
    Source source = source_of(request.source);
    switch (source.kind) {
    case SourceKind::directory:
        hooks.notice("writing " + request.destination);
        pack(request.source, request, hooks, {});
        return;
    case SourceKind::image:
        build_from_image(request, hooks);
        return;
    case SourceKind::definition:
        build_from_definition(request, hooks, source.definition);
        return;
    }
}

}  // namespace hpc::builder
