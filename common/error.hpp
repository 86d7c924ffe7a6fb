// The one error type of hpc: a message that gains one phrase of context per layer
// ("app.sif: descriptor 3: ends past end of file"), the errno that caused it, and the
// exit code cmd/ will use. Only cmd/ prints errors; every other layer throws them.
#pragma once

#include <string>
#include <string_view>
#include <stdexcept>

namespace hpc {

// hpc's own exit codes, after sysexits.h. The payload's status passes through
// unchanged; these are used only when hpc itself fails. Documented in docs/user-guide.md (Exit codes).
enum class ExitCode : int {
    usage = 64,        // bad command line
    data = 65,         // bad image or definition data
    no_input = 66,     // an input (image, bind source, env file) does not exist
    unavailable = 69,  // a kernel or host feature hpc needs is missing
    software = 70,     // an internal error: a bug in hpc
    os = 71,           // a system call failed
    cant_create = 73,  // cannot create output
    in_use = 75,       // a resource another process holds for now: an overlay image it writes (EX_TEMPFAIL)
    denied = 77,       // refused by permissions or site policy
    config = 78,       // bad configuration
    // The shell's conventions, for a payload that cannot be started at all.
    command_not_executable = 126,
    command_not_found = 127,
    interrupted = 130,  // stopped by SIGINT, SIGTERM or SIGHUP, as a shell reports ^C
};

class Error : public std::runtime_error {
public:
    Error(ExitCode code, std::string message, int sys_errno = 0);

    ExitCode code() const { return code_; }
    int sys_errno() const { return errno_; }

    // Returns a copy whose message is "frame: <old message>", keeping code and errno.
    Error within(std::string_view frame) const;

private:
    ExitCode code_;
    int errno_;
};

// An OS failure: "<what>: <strerror(errno)>". The exit code follows from errno where a
// better one than `os` exists (ENOENT is missing input, EACCES/EPERM is denied).
[[noreturn]] void throw_errno(std::string what, int err);
[[noreturn]] void throw_errno(std::string what);  // uses the current errno

// The exit code an errno deserves, for throw_errno.
ExitCode exit_code_for_errno(int err);

}  // namespace hpc
