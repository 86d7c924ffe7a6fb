#include "slurm/plugin_settings.hpp"

#include "common/error.hpp"

namespace hpc::slurm {

PluginSettings parse_plugin_arguments(const std::vector<std::string>& arguments, std::string installed_hpc) {
    PluginSettings settings{std::move(installed_hpc), {}};
    for (const std::string& argument : arguments) {
        size_t equals = argument.find('=');
        std::string key = argument.substr(0, equals);
        std::string value = equals == std::string::npos ? "" : argument.substr(equals + 1);
        auto refuse = [&argument](const std::string& cause) {
            throw Error(ExitCode::config, "plugstack.conf: spank_hpc.so argument '" + argument + "': " + cause);
        };
        if (key == "hpc") {
            if (value.empty() || value.front() != '/') refuse("hpc= needs an absolute path");
            settings.hpc = value;
        } else if (key == "batch-script" || !set_option(settings.defaults, key, value)) {
            refuse("unknown (known: hpc, image, bind, env, pwd, network, writable-tmpfs, nv, rocm, stage)");
        }
    }
    return settings;
}

}  // namespace hpc::slurm
