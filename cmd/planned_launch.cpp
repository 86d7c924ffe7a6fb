#include "cmd/planned_launch.hpp"

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

// What the image's server did, for -v: how the read path behaved on this run.
std::string describe_serving(const image::ServeStats& stats) {
    return "served " + std::to_string(stats.read_requests) + " reads (" + std::to_string(stats.bytes_served) +
           " bytes) and " + std::to_string(stats.lookup_requests) + " lookups with " + std::to_string(stats.threads) +
           " threads; decompressed " + std::to_string(stats.blocks_decoded) + " blocks (" +
           std::to_string(stats.decoded_bytes) + " bytes), " + std::to_string(stats.cache_hits) + " cache hits";
}

// The payload was told only "Input/output error" for what the server could not read: one line
// says how many requests failed and why the first did, with or without -v. A launcher that serves
// the node's shared mount (sandbox/run/node_share.hpp) also served the reads of the launches that
// joined it, so their failures are counted here and said on this launcher's stderr; a joiner
// has no server and says nothing.
void warn_of_failed_reads(const std::string& image, const image::SquashfsServer& server) {
    image::ServeFailures failures = server.failures();
    if (failures.count > 0) report_warning(image + ": " + image::describe(failures));
}

// The servers of the image files beside the root (LaunchPlan::images that are squashfs), made
// before any namespace exists, as the root's is; each mounts when the executor reaches it.
class ImageServers {
public:
    ImageServers(const sandbox::LaunchPlan& plan, const launch::ImageFiles& files, const image::ServeOptions& options) {
        for (const sandbox::ImageMount& mount : plan.images)
            if (mount.file_system == sandbox::ImageMount::FileSystem::squashfs)
                servers_.emplace_back(std::make_unique<image::SquashfsServer>(files.file_of(mount), options));
            else
                servers_.emplace_back();
    }
    // Mounted sealed: nothing is ever made in an image beside the root.
    void mount(std::size_t index, const std::string& target) {
        servers_.at(index)->mount(target);
        servers_.at(index)->seal();
    }
    void warn_of_failed_reads(const sandbox::LaunchPlan& plan) const {
        for (std::size_t index = 0; index < servers_.size(); ++index)
            if (servers_[index]) cmd::warn_of_failed_reads(plan.images[index].path, *servers_[index]);
    }

private:
    std::vector<std::unique_ptr<image::SquashfsServer>> servers_;
};

// The server shows as owners only the ids the container's user namespace maps; with more
// than the user's own (--fakeroot), processes of the others may read the image too.
image::ServeOptions serving_options(const sandbox::LaunchPlan& plan) {
    image::ServeOptions options;
    for (const sandbox::IdMap& map : plan.uid_map) options.mapped_uids.push_back({map.inside, map.count});
    for (const sandbox::IdMap& map : plan.gid_map) options.mapped_gids.push_back({map.inside, map.count});
    options.allow_other = plan.uid_map.size() > 1;
    return options;
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
    const sandbox::LaunchPlan& plan = plan_;
    const image::ImageFile& image = image_;
    hooks.warn = report_warning;
    // Declared before the sharing host, so that the image is served until its last joiner goes.
    std::optional<image::SquashfsServer> server;
    std::optional<ImageServers> image_servers;
    std::optional<sandbox::ShareRole> share = plan.share_mount ? meet_other_launches(image, plan) : std::nullopt;
    report_debug(!share ? "not sharing the image's mount with other launches on this node"
                 : std::holds_alternative<sandbox::ShareGuest>(*share)
                     ? "joining the launch that serves this image on this node"
                     : "serving this image for this node's launches");
    if (share && std::holds_alternative<sandbox::ShareGuest>(*share)) {
        image::release_block_memory();  // this launch reads no more blocks (with --pid, it stays to supervise)
        return sandbox::launch_joined(plan, hooks, std::get<sandbox::ShareGuest>(*share));
    }
    sandbox::ShareHost* share_host = share ? &std::get<sandbox::ShareHost>(*share) : nullptr;

    // The server is made (and the superblock checked) before any namespace exists; it mounts
    // when the executor reaches the image's root.
    if (image.format() != image::ImageFormat::directory) server.emplace(image, serving_options(plan));
    image_servers.emplace(plan, image_files_, serving_options(plan));
    hooks.mount_squashfs = [&server](const std::string& target) { server->mount(target); };
    hooks.mount_image = [&image_servers](std::size_t index, const std::string& target) {
        image_servers->mount(index, target);
    };
    auto warn_of_all_failed_reads = [&] {
        if (server) warn_of_failed_reads(image.path(), *server);
        image_servers->warn_of_failed_reads(plan);
    };
    hooks.root_complete = [&server] {
        if (server) server->seal();
    };
    int status = 0;
    try {
        status = share_host ? sandbox::launch_serving(plan, hooks, *share_host) : sandbox::launch(plan, hooks);
    } catch (...) {
        // A payload that could not start may have failed on the image (an exec that read a
        // corrupt block): the failed reads are said before the error that follows.
        warn_of_all_failed_reads();
        throw;
    }
    if (options.verbose && server) report_notice(describe_serving(server->stats()));
    warn_of_all_failed_reads();
    return status;  // the payload's, whatever the server failed to read
}

}  // namespace hpc::cmd
