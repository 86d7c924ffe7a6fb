// The image files a launch mounts beside its root (LaunchPlan::images) and what uses them:
// --overlay's layers (host directories, squashfs and ext3 images, SIF partitions), a SIF's own
// overlay partition, and image binds (-B data.sqfs:/data:image-src=/sub). An image file is a
// bind of the host's in all but name, so the site's bind policy judges it.
#pragma once

#include "sandbox/plan/host_facts.hpp"
#include "sandbox/plan/launch_plan.hpp"
#include "sandbox/plan/planner.hpp"
#include "site-config/site_config.hpp"

#include <optional>
#include <string>
#include <vector>

namespace hpc::sandbox {

// Adds `mount` to `images` unless the same file system is there, read-only both: two binds of
// one data set share one mount. Returns its index.
std::size_t add_image_mount(std::vector<ImageMount>& images, ImageMount mount);

// The root's layers, bottom first: a SIF's own overlay partition (writable with --writable, as
// Apptainer's), then --overlay's in the order given (the last is the top). The image files they
// need are added to `images`. A squashfs is always read-only; an ext3 image or a directory is
// writable unless given with :ro, and at most one layer is. Throws no_input for a missing
// overlay, usage for two writable layers, data for a file that is no image hpc can mount,
// denied for one the site's bind policy refuses.
std::vector<OverlayLayer> plan_layers(const LaunchRequest& request, const HostFacts& host, const ImageSummary& image,
                                      const site::SiteConfig& site, std::vector<ImageMount>& images);

// The step of an image bind of the host's `canonical` file at `destination`, its file system
// added to `images`: always read-only. `what` names the bind in messages.
MountStep image_bind_step(const BindSpec& bind, const std::string& canonical, const std::string& destination,
                          const std::string& what, const HostFacts& host, std::vector<ImageMount>& images);

}  // namespace hpc::sandbox
