// A pipe whose two ends are owned, both close-on-exec: a child that needs an end across its
// exec clears the flag on that one alone.
#pragma once

#include "common/unique_fd.hpp"

namespace hpc {

struct Pipe {
    UniqueFd read;
    UniqueFd write;

    Pipe();  // throws hpc::Error(os) when pipe2(2) fails
};

}  // namespace hpc
