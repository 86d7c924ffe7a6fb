// The user's terminal, once the payload's process is in the container. The planner binds it at
// a path of the container's (LaunchPlan::terminal, /dev/console); the payload's descriptors on it
// were opened on the host, through /dev/pts/N, and /proc/self/fd, ttyname(3) and tty(1) would
// name that host path: missing in the container, whose /dev/pts is a devpts instance of its
// own, or, once the container opens a pty of its own, another terminal. Opened again through
// the container's path, they name a file that is there and is the terminal.
#pragma once

#include <string>

namespace hpc::sandbox {

// Replaces each of descriptors 0-2 that is the terminal at `path` (the same file, and a
// terminal: never another device that happens to be bound there) with one opened there, with
// its access mode and status flags (O_NONBLOCK, O_APPEND). A descriptor stays as it was when
// `path` is not that terminal (a bind over it) or does not open (TIOCEXCL, a hung-up line): the
// payload keeps its terminal either way, so nothing here fails.
void reopen_terminal_at(const std::string& path);

}  // namespace hpc::sandbox
