// sandbox/: the container. From the user's options and facts about the host and the image
// it computes a LaunchPlan with no I/O (planner.hpp): id maps, an ordered list of mounts,
// identity files, the environment (environment.hpp), the payload's argv and working
// directory. A small executor applies a plan with system calls (executor.hpp), and the
// supervisor runs the payload, forwards signals and passes its status back.
// It knows nothing of SIF or squashfs: the image's root arrives as a callback that mounts it.
#pragma once
