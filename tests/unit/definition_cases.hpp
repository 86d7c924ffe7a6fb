// Parsing definition texts in tests, all under the name "app.def": the whole definition, its only
// stage, or the message it is refused with.
#pragma once

#include "common/error.hpp"
#include "definition/definition.hpp"

#include "thrown_error.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <string_view>

namespace hpc::test {

inline image::Definition parse(std::string_view text, const image::KeyValues& args = {},
                               image::UnusedBuildArgs unused = image::UnusedBuildArgs::error) {
    return image::parse_definition(text, "app.def", args, unused);
}

inline image::DefinitionStage single_stage(std::string_view text, const image::KeyValues& args = {}) {
    image::Definition definition = parse(text, args);
    REQUIRE(definition.stages.size() == 1);
    return definition.stages.front();
}

// The message of the error parsing `text` throws, after checking its exit code.
inline std::string error_of(std::string_view text, const image::KeyValues& args = {},
                            ExitCode code = ExitCode::data) {
    return error_message([&] { parse(text, args); }, code);
}

}  // namespace hpc::test
