// The processes of a launch: children below their parent, [..] the namespaces a process makes
// for itself, "dies with" PR_SET_PDEATHSIG(SIGKILL) (tie_to_launcher, launcher.cpp).
//
// hpc, the launcher: in the host's namespaces, then its own user + mount [+ ipc, net, uts]
//  |  threads: the image's FUSE workers and prefetchers (from staging on, all signals blocked),
//  |    the share thread answering joiners (once the image is mounted: node_share.cpp)
//  |  holds: /dev/fuse (alone: a process that touched the mount after the launcher died would
//  |    wait for ever), the sharing socket (bound in the host's network namespace), the read end
//  |    of the status pipe (EOF: the payload exec'd; else its start-up error)
//  +- id-map helper (--fakeroot's ranges): forked before unshare, so in the host's user
//  |    namespace; runs newuidmap and newgidmap on the launcher, exits, is reaped. Dies with it.
//  +- slirp4netns (--network slirp): forked in the host's namespaces, execs once the launcher
//  |    has its network namespace (owned by an outer user namespace mapping the user to root
//  |    when the plan maps none); exits when the launcher's --exit-fd end closes. Dies with it.
//  +- fuse2fs, one per ext image, and fuse-overlayfs over a writable one (ext_image_server.hpp):
//  |    forked by the executor while it stages, ambient CAP_SYS_ADMIN in the user namespace to
//  |    mount there; spared by the supervisor, stopped (SIGTERM, awaited) from the top once the
//  |    payload is gone. Die with it by SIGTERM, which lets fuse2fs write its file system clean.
//  +- payload: clone(CLONE_VM | CLONE_VFORK), the launcher's thread stopped until it execs (the
//  |    FUSE threads serve that exec); [mount] to pivot in, [pid] with --pid --no-init; keeps
//  |    only fds 0-2 and the status pipe's write end, closed on exec. Dies with the launcher.
//  `- or, with --pid: the PID-namespace maker, forked (a copy of its own, one thread); [pid];
//       supervises init and exits with its status. Dies with the launcher.
//       `- init, PID 1 [mount]: forwards signals, reaps orphans, exits with the payload's
//          status. Dies with the maker.
//          `- payload (fork, exec): ends with the PID namespace, when init does.
// The launcher supervises (supervisor.hpp): forwards signals, reaps every child; without a PID
// namespace it is the subreaper of the payload's orphans and kills them once the payload ends.
// Children it is told to spare (FUSE servers, fuse_program.hpp) it neither reaps nor kills.
//
// A joiner (node_share.hpp) is no child: another hpc of this user, image and id maps, met on the
// abstract socket. It setns()es into the server's user and mount namespaces, makes [mount],
// stages, and execs the payload itself (with --pid it stays, over a maker and an init as above,
// serving nothing). The server follows it by pidfd, outlives its own payload until the last
// joiner has ended, then kills what is left in its user namespace and unmounts the image.
//
// An instance (hpc instance start) is a launch whose launcher runs detached, in a session of its
// own with its output in the instance's logs, and whose init, always in a PID namespace, stays
// until a stop signal (keep_instance, supervisor.hpp). A launch that enters it (exec
// instance://NAME) is no child either: it setns()es into the init's namespaces and root
// (container_entry.hpp) and forks the payload there, which the init adopts if it outlives it.
//
// hpc build enters a root-mapped user namespace itself and serves a base image from threads.
// %pre, %setup and cp (%files, a sandbox destination) are forked host commands; debootstrap one
// under an init of its own PID namespace. %post and %test: launch_in_namespace forks a child
// that dies with the build, makes [mount], stages and execs; the build is its subreaper.
//
// The whole launch, reading like its table of contents: take over signals, enter the
// namespaces, stage the container, start the payload inside it, supervise it. The launcher
// stays as the image's FUSE server and the payload's supervisor; when it goes, the namespaces
// and every mount go with it. A launch that joins another's mount (node_share.hpp) becomes its
// payload instead.
#pragma once

#include "sandbox/run/container_entry.hpp"
#include "sandbox/run/executor.hpp"
#include "sandbox/plan/launch_plan.hpp"
#include "sandbox/run/node_share.hpp"

#include <chrono>
#include <vector>

namespace hpc::sandbox {

// Returns the status hpc exits with: the payload's, or 128+N when signal N killed it. Throws
// hpc::Error when the container cannot be made or the payload cannot be started; the
// payload is gone by then.
int launch(const LaunchPlan& plan, const ExecutorHooks& hooks);

// launch(), serving the image to other launches through `host` once the container is complete;
// returns when its own payload and every joiner's have ended, and ends whatever processes they
// left in the container's namespace.
int launch_serving(const LaunchPlan& plan, ExecutorHooks hooks, ShareHost& host);

// A server alone, detached from the launch that started it (which joins it next): the
// container's tree staged as launch() stages it, for joiners, and no payload. It serves until no
// joiner has come for `linger` after the last has ended, ending what they left each time the
// last goes; at once (for those to come) when one of `end_fds` is readable. Returns 0 then.
int serve_lingering(const LaunchPlan& plan, ExecutorHooks hooks, ShareHost& host, std::chrono::milliseconds linger,
                    std::vector<int> end_fds);

// The container, in the namespaces of the launcher that serves the image already: the image is
// bound from its mount, the rest made as launch() makes it. Then this process execs the payload
// itself (its status, or the signal that ends it, is hpc's), so a joiner leaves no process of
// hpc's on the node; only with a PID namespace (whose init must stay) does it supervise as
// launch() does and return the status.
int launch_joined(const LaunchPlan& plan, ExecutorHooks hooks, const ShareGuest& guest);

// The plan's payload in a container that runs already (an instance's), entered as
// container_entry.hpp says: nothing is mounted or staged, the plan's working directory,
// identity and environment are used. This process supervises the payload (forwarding signals)
// and returns its status; what the payload leaves running stays in the container.
int launch_entered(const LaunchPlan& plan, const ExecutorHooks& hooks, const ContainerEntry& container);

// The same for a container made inside a user namespace this process entered already (a
// build's steps, whose root is a tree the build mounted): the container gets a mount namespace
// of its own, forked off, and this process supervises its payload. No PID namespace.
int launch_in_namespace(const LaunchPlan& plan, const ExecutorHooks& hooks);

}  // namespace hpc::sandbox
