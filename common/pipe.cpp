#include "common/pipe.hpp"

#include "common/error.hpp"

#include <fcntl.h>
#include <unistd.h>

namespace hpc {

Pipe::Pipe() {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) throw_errno("pipe");
    read.reset(fds[0]);
    write.reset(fds[1]);
}

}  // namespace hpc
