// The site configuration's TOML (site-config/site_config.hpp) on any text, and the description
// `hpc config check` prints of what it accepted.
#include "fuzz_input.hpp"
#include "site-config/site_config.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
    hpc::fuzz::refused_or_parsed([&] {
        hpc::site::SiteConfig config = hpc::site::parse_site_config(hpc::fuzz::text_of(data, size), "fuzz.toml");
        (void)hpc::site::describe(config);
    });
    return 0;
}
