// The definition-file parser (definition/definition.hpp) on any text, with a build argument
// given so that templating runs too.
#include "definition/definition.hpp"
#include "fuzz_input.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
    hpc::fuzz::refused_or_parsed([&] {
        (void)hpc::image::parse_definition(hpc::fuzz::text_of(data, size), "fuzz.def", {{"NAME", "value"}},
                                                hpc::image::UnusedBuildArgs::warn);
    });
    hpc::fuzz::refused_or_parsed(
        [&] { (void)hpc::image::parse_build_arg_file("fuzz.args", hpc::fuzz::text_of(data, size)); });
    return 0;
}
