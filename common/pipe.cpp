#include "common/pipe.hpp"

#include "common/error.hpp"

#include <fcntl.h>
#include <unistd.h>

namespace hpc {

Pipe::Pipe(std::string_view purpose) {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) throw_errno("make a pipe for " + std::string(purpose));
    read.reset(fds[0]);
    write.reset(fds[1]);
}

}  // namespace hpc
