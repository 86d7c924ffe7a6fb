#include "cmd/config_command.hpp"

#include "site-config/site_config.hpp"
#include "site-config/site_config_file.hpp"

#include <iostream>
#include <optional>

namespace hpc::cmd {

void add_config_options(CLI::App& command, ConfigOptions& options) {
    command.require_subcommand(1);
    CLI::App* check = command.add_subcommand("check", "validate a site config and show the policy it sets");
    check->add_option("file", options.file,
                      "the file to check (default: the installed " + site::site_config_path() +
                          "); a draft may be your own, the installed file must be root's");
}

int run_config_check(const ConfigOptions& options) {
    if (!options.file.empty()) {
        site::SiteConfig config = site::load_draft_site_config(options.file);
        std::cout << options.file << ": ok\n\n" << site::describe(config);
        return 0;
    }
    const std::string& path = site::site_config_path();
    std::optional<site::SiteConfig> config = site::read_site_config_file(path);
    if (config)
        std::cout << path << ": ok\n\n" << site::describe(*config);
    else
        std::cout << path << ": no such file; the built-in defaults apply\n\n" << site::describe(site::SiteConfig{});
    return 0;
}

}  // namespace hpc::cmd
