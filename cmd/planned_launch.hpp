// An action's launch, planned: the image resolved (a docker:// or oras:// one pulled), opened
// and summarized, the launch planned; then run, serving the image (or joining the node's
// server, node_share.hpp). exec, run, shell and test use it, and hpc instance start.
#pragma once

#include "cmd/action_options.hpp"
#include "image/tree/image_file.hpp"
#include "launch/image_files.hpp"
#include "sandbox/run/executor.hpp"

namespace hpc::cmd {

class PlannedLaunch {
public:
    // Throws hpc::Error for an image that cannot be had or a launch that cannot be planned.
    PlannedLaunch(const ActionOptions& options, sandbox::Action action, bool instance = false);
    PlannedLaunch(const PlannedLaunch&) = delete;
    PlannedLaunch& operator=(const PlannedLaunch&) = delete;

    const sandbox::LaunchPlan& plan() const { return plan_; }
    const image::ImageFile& image() const { return image_; }

    // Says the plan's warnings, the plan itself with --dry-run or -v, and its notice. False when
    // there is nothing to run: --dry-run, or a plan with no command (test without a test script).
    bool announce(const ActionOptions& options) const;

    // Serves the image and runs the container; `hooks` may carry container_started. Returns the
    // payload's status.
    int run(const ActionOptions& options, sandbox::ExecutorHooks hooks = {});

private:
    RunnableImage runnable_;
    image::ImageFile image_;
    launch::ImageFiles image_files_;
    sandbox::LaunchPlan plan_;
};

}  // namespace hpc::cmd
