// The hpc::Error an action throws, for tests of bad input: the test fails when none is thrown.
#pragma once

#include "common/error.hpp"

#include <catch2/catch.hpp>

#include <string>

namespace hpc::test {

template <typename Action>
Error thrown_error(Action&& action) {
    try {
        action();
    } catch (const Error& error) {
        return error;
    }
    FAIL("no hpc::Error was thrown");
    return Error(ExitCode::software, "");
}

// The message of the error `action` throws, after checking its exit code.
template <typename Action>
std::string error_message(Action&& action, ExitCode expected = ExitCode::usage) {
    Error error = thrown_error(std::forward<Action>(action));
    CHECK(error.code() == expected);
    return error.what();
}

}  // namespace hpc::test
