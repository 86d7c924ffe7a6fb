// Making an ext3 file system from a directory with e2fsprogs' mke2fs (-d copies a tree into it,
// since e2fsprogs 1.43), as Apptainer's `overlay create` makes its overlays. mke2fs runs alone in
// a child of its own, from its absolute path with an argv (no shell); with `as_root`, that child
// is in a user namespace where the caller's uid and gid are 0, so that the files mke2fs reads
// are recorded as root's (what an overlay used with --fakeroot needs).
#pragma once

#include <string>
#include <vector>

namespace hpc::builder {

// mke2fs's absolute path: the first in `path_variable` ($PATH; its relative entries skipped),
// then in `system_directories`, where Debian and others install it but an ordinary user's PATH
// often does not look. Throws hpc::Error(unavailable) saying to install e2fsprogs when there is none.
std::string find_mke2fs(const std::string& path_variable,
                        const std::vector<std::string>& system_directories = {"/usr/sbin", "/sbin"});

struct Mke2fsRun {
    std::string program;           // find_mke2fs's answer
    std::string source_directory;  // what the file system holds (-d)
    std::string image;             // the file to make it in, already of its size
    bool as_root = false;          // in a user namespace mapping the caller's ids to 0
    // Leave the image's blocks allocated: mke2fs discards (punches holes in) a file's unused
    // blocks by default, which would make an image allocated ahead sparse again.
    bool keep_allocated = false;
};

// Runs `mke2fs -t ext3 -q -F -E root_owner=UID:GID[,nodiscard] -d DIR IMAGE`. Returns what it said on stdout and
// stderr when it succeeded (usually nothing; a warning otherwise). Throws hpc::Error: cant_create
// with what it said, in one line, when it fails; interrupted when a stop signal came meanwhile
// (blocked by sandbox::take_over_signals, or the one that ended it); unavailable when the user
// namespace cannot be made.
std::string run_mke2fs(const Mke2fsRun& run);

}  // namespace hpc::builder
