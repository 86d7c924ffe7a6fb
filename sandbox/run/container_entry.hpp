// Entering a container that is running already (an instance's: hpc exec instance://NAME): the
// namespaces and the root of its init, taken from the init's /proc entry. Nothing is mounted:
// the container's mounts are those its own launch made.
#pragma once

#include "common/unique_fd.hpp"

#include <string>
#include <vector>

namespace hpc::sandbox {

struct ContainerEntry {
    struct Namespace {
        std::string kind;  // as /proc/PID/ns names it: "mnt", "net", ...
        UniqueFd fd;
    };
    UniqueFd user_namespace;             // invalid when it is this process's own
    std::vector<Namespace> namespaces;   // the others that differ from this process's
    UniqueFd root;                       // the init's root directory (O_PATH)
};

// Opens what entering needs, through `process`, an open /proc/PID of the container's init that
// the caller has checked is the process it means. Throws hpc::Error(os) naming what could not be
// opened.
ContainerEntry open_container(int process);

// Enters the namespaces (user namespaces from the outermost down, each other namespace once its
// owner has been entered: a --network slirp container's network namespace belongs to the user
// namespace around its own) and makes the init's root this process's root and working
// directory. Single-threaded callers only (setns(2) of a user namespace). Throws hpc::Error.
void enter_container(const ContainerEntry& entry);

}  // namespace hpc::sandbox
