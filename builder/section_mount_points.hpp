// The mount points a section's launch (%post, %test) makes in a build stage's tree, taken away
// after it: the launch needs them, the image does not. An image built with --nv must not keep
// an empty /usr/bin/nvidia-smi, which a run without --nv would find first, nor empty files in
// /.singularity.d/libs where the loader looks; nor an empty /etc/hosts or -B destination.
#pragma once

#include "sandbox/plan/launch_plan.hpp"

#include <string>
#include <vector>

namespace hpc::builder {

class SectionMountPoints {
public:
    // Notes, before the launch, which of `plan`'s mount targets `root` lacks, and the
    // directories on the way to them it lacks too (resolved inside the root, as the executor
    // resolves them).
    SectionMountPoints(const std::string& root, const sandbox::LaunchPlan& plan);

    // Removes those that are, after the launch, still an empty file or directory, the deepest
    // first: what the section put there stays.
    void remove() const;

private:
    std::string root_;
    std::vector<std::string> missing_;  // paths inside the root, deepest first
};

}  // namespace hpc::builder
