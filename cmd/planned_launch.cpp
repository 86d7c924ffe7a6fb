#include "cmd/planned_launch.hpp"

#include "cmd/launch_servers.hpp"
#include "cmd/lingering_server.hpp"
#include "cmd/report.hpp"
#include "common/error.hpp"
#include "image/serve/squashfs_server.hpp"
#include "image/tree/image_tree.hpp"
#include "launch/image_summary.hpp"
#include "sandbox/plan/planner.hpp"
#include "sandbox/run/gather_host_facts.hpp"
#include "sandbox/run/launcher.hpp"
#include "site-config/site_config_file.hpp"

#include <iostream>
#include <memory>
#include <optional>
#include <vector>

namespace hpc::cmd {
namespace {

const std::string& image_argument(const ActionOptions& options, sandbox::Action action) {
    if (options.image_and_args.empty()) throw Error(ExitCode::usage, "no image given");
    const std::string& image = options.image_and_args.front();
    if (action == sandbox::Action::exec && options.image_and_args.size() < 2)
        throw Error(ExitCode::usage, "exec needs a command to run in the image");
    return image;
}

// Serve for the node or join its server; a name that cannot be met (another user holds it)
// means a private mount, as with --no-share.
std::optional<sandbox::ShareRole> meet_other_launches(const image::ImageFile& image, const sandbox::LaunchPlan& plan) {
    try {
        return sandbox::meet_launches_of(image.identity(), plan);
    } catch (const Error& error) {
        report_warning("the image's mount is not shared: " + std::string(error.what()));
        return std::nullopt;
    }
}

}  // namespace

PlannedLaunch::PlannedLaunch(const ActionOptions& options, sandbox::Action action, bool instance)
    : runnable_(image_argument(options, action), options.registry), image_(image::ImageFile::open(runnable_.path())) {
    sandbox::HostFacts host = sandbox::gather_host_facts();
    host.image_file = [this](const std::string& file, const sandbox::ImageFileQuery& query) {
        return image_files_.open(file, query);
    };
    sandbox::LaunchRequest request = to_launch_request(options, action);
    request.instance = instance;
    report_debug("image " + image_.path() + ": " + std::string(image::format_name(image_.format())));
    report_debug("site configuration: " + site::site_config_path());
    std::shared_ptr<const image::ImageTree> tree = image::open_tree(image_);
    plan_ = sandbox::plan_launch(request, host, launch::summarize_image(image_, tree, request.app),
                                 site::load_site_config(site::site_config_path()));
}

bool PlannedLaunch::announce(const ActionOptions& options) const {
    for (const std::string& warning : plan_.warnings) report_warning(warning);
    if (options.dry_run || options.verbose) std::cerr << sandbox::describe(plan_) << std::flush;
    if (options.dry_run) return false;
    if (!plan_.command.notice.empty()) report_notice(plan_.command.notice);
    return !plan_.command.argv.empty();
}

int PlannedLaunch::run(const ActionOptions& options, sandbox::ExecutorHooks hooks) {
    hooks.warn = report_warning;
    // Declared before the sharing host, so that the image is served until its last joiner goes.
    std::optional<LaunchServers> servers;
    std::optional<sandbox::ShareRole> share = plan_.share_mount ? meet_other_launches(image_, plan_) : std::nullopt;
    if (share && std::holds_alternative<sandbox::ShareHost>(*share) && plan_.share_linger_seconds > 0) {
        // The server goes on after this launch, detached: this launch joins it as the next will.
        start_lingering_server(std::get<sandbox::ShareHost>(*share), image_, image_files_, plan_);
        share.reset();  // this process's hold on the name, which the server keeps
        // The server's, or this launch's again where it could not start: then it serves by itself,
        // listening now (a lingering server's claimer leaves that to the server).
        if (std::optional<sandbox::ShareRole> role = meet_other_launches(image_, plan_)) share.emplace(std::move(*role));
        if (share && std::holds_alternative<sandbox::ShareHost>(*share)) std::get<sandbox::ShareHost>(*share).listen_here();
    }
    report_debug(!share ? "not sharing the image's mount with other launches on this node"
                 : std::holds_alternative<sandbox::ShareGuest>(*share)
                     ? "joining the launch that serves this image on this node"
                     : "serving this image for this node's launches");
    if (share && std::holds_alternative<sandbox::ShareGuest>(*share)) {
        image::release_block_memory();  // this launch reads no more blocks (with --pid, it stays to supervise)
        return sandbox::launch_joined(plan_, hooks, std::get<sandbox::ShareGuest>(*share));
    }
    sandbox::ShareHost* share_host = share ? &std::get<sandbox::ShareHost>(*share) : nullptr;

    servers.emplace(image_, image_files_, plan_);
    servers->attach(hooks);
    int status = 0;
    try {
        status = share_host ? sandbox::launch_serving(plan_, hooks, *share_host) : sandbox::launch(plan_, hooks);
    } catch (...) {
        // A payload that could not start may have failed on the image (an exec that read a
        // corrupt block): the failed reads are said before the error that follows.
        servers->warn_of_failed_reads();
        throw;
    }
    if (options.verbose)
        if (std::optional<std::string> serving = servers->describe_root_serving()) report_notice(*serving);
    servers->warn_of_failed_reads();
    return status;  // the payload's, whatever the server failed to read
}

}  // namespace hpc::cmd
