// The whole launch, reading like its table of contents: take over signals, enter the
// namespaces, stage the container, start the payload inside it, supervise it. The launcher
// stays as the image's FUSE server and the payload's supervisor; when it goes, the namespaces
// and every mount go with it. A launch that joins another's mount (node_share.hpp) becomes its
// payload instead.
#pragma once

#include "sandbox/run/executor.hpp"
#include "sandbox/plan/launch_plan.hpp"
#include "sandbox/run/node_share.hpp"

namespace hpc::sandbox {

// Returns the status hpc exits with: the payload's, or 128+N when signal N killed it. Throws
// hpc::Error when the container cannot be made or the payload cannot be started; the
// payload is gone by then.
int launch(const LaunchPlan& plan, const ExecutorHooks& hooks);

// launch(), serving the image to other launches through `host` once the container is complete;
// returns when its own payload and every joiner's have ended, and ends whatever processes they
// left in the container's namespace.
int launch_serving(const LaunchPlan& plan, ExecutorHooks hooks, ShareHost& host);

// The container, in the namespaces of the launcher that serves the image already: the image is
// bound from its mount, the rest made as launch() makes it. Then this process execs the payload
// itself (its status, or the signal that ends it, is hpc's), so a joiner leaves no process of
// hpc's on the node; only with a PID namespace (whose init must stay) does it supervise as
// launch() does and return the status.
int launch_joined(const LaunchPlan& plan, ExecutorHooks hooks, const ShareGuest& guest);

// The same for a container made inside a user namespace this process entered already (a
// build's steps, whose root is a tree the build mounted): the container gets a mount namespace
// of its own, forked off, and this process supervises its payload. No PID namespace.
int launch_in_namespace(const LaunchPlan& plan, const ExecutorHooks& hooks);

}  // namespace hpc::sandbox
