// Reading a descriptor to its end, bounded: a file, a pipe from a child or a socket alike. Every
// input hpc reads whole is bounded, each caller saying how much is too much for what it reads
// and what to say when it is (the messages and exit codes differ: a user's file, an image's,
// the site config, a child's report).
#pragma once

#include <cstddef>
#include <string>

namespace hpc {

struct BoundedRead {
    std::string bytes;       // what was read, at most max_bytes
    bool too_large = false;  // more than max_bytes were there; reading stopped one byte past them
    int error = 0;           // the errno of a read that failed (EINTR is retried); bytes holds what came before
};

// Reads `fd` from its offset until the end of file, an error, or one byte past `max_bytes`
// (enough to tell a content of exactly max_bytes from a larger one). Never throws but for
// memory. A caller that stops reading a pipe early and then waits for its writer closes the
// pipe first, so that the writer is not left blocked.
BoundedRead read_to_end(int fd, std::size_t max_bytes);

}  // namespace hpc
