#include "common/error.hpp"

#include <cerrno>
#include <cstring>

namespace hpc {

Error::Error(ExitCode code, std::string message, int sys_errno)
    : std::runtime_error(std::move(message)), code_(code), errno_(sys_errno) {}

Error Error::within(std::string_view frame) const {
    std::string message(frame);
    message += ": ";
    message += what();
    return Error(code_, std::move(message), errno_);
}

ExitCode exit_code_for_errno(int err) {
    switch (err) {
    case ENOENT:
    case ENOTDIR:
        return ExitCode::no_input;
    case EACCES:
    case EPERM:
        return ExitCode::denied;
    case ENOSYS:
    case EOPNOTSUPP:
    case ENODEV:
        return ExitCode::unavailable;
    default:
        return ExitCode::os;
    }
}

void throw_errno(std::string what, int err) {
    what += ": ";
    what += std::strerror(err);
    throw Error(exit_code_for_errno(err), std::move(what), err);
}

void throw_errno(std::string what) { throw_errno(std::move(what), errno); }

}  // namespace hpc
