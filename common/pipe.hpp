// A pipe whose two ends are owned, both close-on-exec: a child that needs an end across its
// exec clears the flag on that one alone.
#pragma once

#include "common/unique_fd.hpp"

#include <string_view>

namespace hpc {

struct Pipe {
    UniqueFd read;
    UniqueFd write;

    // `purpose` says what the pipe carries ("the container's start-up report"), so that a
    // failure names it: hpc::Error "make a pipe for <purpose>: <strerror>" when pipe2(2) fails.
    explicit Pipe(std::string_view purpose);
};

}  // namespace hpc
