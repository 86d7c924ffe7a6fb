// The servers of one launch's images: the root's squashfs (unless the image is a directory) and
// the squashfs files beside it (LaunchPlan::images), made before any namespace exists, each
// mounted when the executor reaches it, and what they failed to read said once they are done.
#pragma once

#include "image/serve/squashfs_server.hpp"
#include "image/tree/image_file.hpp"
#include "launch/image_files.hpp"
#include "sandbox/plan/launch_plan.hpp"
#include "sandbox/run/executor.hpp"

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace hpc::cmd {

class LaunchServers {
public:
    LaunchServers(const image::ImageFile& image, const launch::ImageFiles& files, const sandbox::LaunchPlan& plan);
    LaunchServers(const LaunchServers&) = delete;
    LaunchServers& operator=(const LaunchServers&) = delete;

    // Sets the hooks that mount them, the root's sealed once the container's tree is complete
    // and the others at once: nothing is ever made in an image beside the root.
    void attach(sandbox::ExecutorHooks& hooks);

    // The payload was told only "Input/output error" for what a server could not read: one line
    // per image says how many requests failed and why the first did, with or without -v. A
    // launcher that serves the node's shared mount (sandbox/run/node_share.hpp) also served the
    // reads of the launches that joined it, so their failures are counted here too.
    void warn_of_failed_reads() const;
    // The same, for a lingering server to tell its joiners (ShareHost::report_to_joiners): the
    // failed requests so far, and the warnings' lines when there are more than `since`.
    uint64_t failed_reads() const;
    std::string failed_reads_lines(uint64_t since) const;

    // What the root's server did, for -v: how the read path behaved; nullopt for a directory.
    std::optional<std::string> describe_root_serving() const;

private:
    // "IMAGE: N reads failed (first: CAUSE)" for each image with a failure.
    std::vector<std::string> failure_warnings() const;

    const image::ImageFile& image_;
    const sandbox::LaunchPlan& plan_;
    std::optional<image::SquashfsServer> root_;
    std::vector<std::unique_ptr<image::SquashfsServer>> images_;  // null in an ext image's place
};

}  // namespace hpc::cmd
