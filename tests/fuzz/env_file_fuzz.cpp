// --env-file's syntax (sandbox/environment/env_file.hpp) on any text.
#include "fuzz_input.hpp"
#include "sandbox/environment/env_file.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
    hpc::fuzz::refused_or_parsed([&] {
        (void)hpc::sandbox::parse_env_file(hpc::sandbox::EnvFile{"fuzz.env", std::string(hpc::fuzz::text_of(data, size))});
    });
    return 0;
}
