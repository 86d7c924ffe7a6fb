#include "builder/container_step.hpp"

#include "launch/image_summary.hpp"
#include "image/serve/squashfs_server.hpp"
#include "image/tree/image_file.hpp"
#include "image/tree/image_tree.hpp"
#include "sandbox/run/launcher.hpp"
#include "sandbox/plan/planner.hpp"
#include "sandbox/run/gather_host_facts.hpp"

namespace hpc::builder {

int run_container_step(const ContainerStep& step, const std::function<void(const std::string&)>& warn) {
    sandbox::LaunchRequest request;
    request.action = step.action;
    request.args = step.args;
    request.as_root = true;
    request.contain = true;
    request.clean_env = true;
    request.writable = step.writable;
    request.pwd.assign(1, '/');  // not = "/": GCC 12 warns falsely (-Wrestrict) on that
    request.binds = step.binds;
    request.nv = step.nv;
    request.rocm = step.rocm;
    // %post installs the image's own libraries: the host's MPI (a site's mpi.default = "host")
    // must not stand in for them while it runs.
    request.mpi = "image";
    // What %post may append labels to (APPTAINER_ENVIRONMENT, for the environment, every
    // container has already).
    request.env_options = {"APPTAINER_LABELS=/.build.labels", "SINGULARITY_LABELS=/.build.labels"};

    image::ImageFile tree_image = image::ImageFile::open(step.root);
    std::shared_ptr<const image::ImageTree> tree = image::open_tree(tree_image);
    // The stage is the build's own tree, not an image a user runs: the image rules are not for it.
    site::SiteConfig policy = step.site;
    policy.images = site::ImagesPolicy{};
    sandbox::LaunchPlan plan =
        sandbox::plan_launch(request, sandbox::gather_host_facts(), launch::summarize_image(tree_image, tree), policy);
    tree.reset();
    plan.ownership_ignored = step.ownership_ignored;
    plan.root.build_stage = true;
    for (const std::string& warning : plan.warnings) warn(warning);

    sandbox::ExecutorHooks hooks;
    hooks.warn = warn;
    return sandbox::launch_in_namespace(plan, hooks);
}

}  // namespace hpc::builder
