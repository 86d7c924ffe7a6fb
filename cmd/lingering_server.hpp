// The server of a shared mount that lingers (LaunchPlan::share_linger_seconds): the next launch
// of the image by the user on the node, a workflow's next short task, joins a mount that is
// there, its blocks in the page cache, instead of mounting the image cold.
//
// The launch that finds no server starts one that is detached from it and then joins it as
// every later launch does, so that its `hpc exec` ends when its payload does, with its status,
// while the server stays: a grandchild of the launch's process (reparented at once, so that no
// payload finds an unknown child to wait for), in a session of its own, its standard streams
// on /dev/null and none of the caller's other descriptors (a pipe's reader sees its end of
// file when the payload's writers are gone). It stays in the caller's cgroup, so that a Slurm
// step's end or the Epilog ends it with the job.
#pragma once

#include "image/tree/image_file.hpp"
#include "launch/image_files.hpp"
#include "sandbox/plan/launch_plan.hpp"
#include "sandbox/run/node_share.hpp"

namespace hpc::cmd {

// Forks the server, which listens under `host`'s name (bound, not yet listened on: meet's
// `listen`) and serves until it has lingered after the last launch, or the image file changed,
// or it was told to stop (SIGTERM, SIGINT, SIGHUP). Returns in this process once the server
// listens, and this process then lets go of the name; a server that cannot start ends, and this
// launch then meets the name free and serves by itself.
void start_lingering_server(sandbox::ShareHost& host, const image::ImageFile& image, const launch::ImageFiles& files,
                            const sandbox::LaunchPlan& plan);

}  // namespace hpc::cmd
