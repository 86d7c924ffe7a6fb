#include "cmd/other_names.hpp"

#include <string_view>

namespace hpc::cmd {

std::optional<std::vector<std::string>> command_for_link_name(int argc, char** argv) {
    if (argc < 1 || !argv[0]) return std::nullopt;  // execve may give no argv at all
    std::string_view name = argv[0];
    name = name.substr(name.rfind('/') + 1);
    std::vector<std::string> words{argv[0]};
    if (name == "hpc-slurm-prolog" || name == "hpc-slurm-epilog") {
        words.insert(words.end(), {"slurm", name == "hpc-slurm-prolog" ? "prolog" : "epilog"});
        return words;
    }
    if (name == "run-singularity") {
        // Everything after the name is run's: options, the image (the kernel puts the SIF's
        // path first) and its arguments. Quiet, as Apptainer's script runs `apptainer --quiet run`:
        // a program run as ./app.sif says no notices of its own.
        words.insert(words.end(), {"--quiet", "run"});
        words.insert(words.end(), argv + 1, argv + argc);
        return words;
    }
    return std::nullopt;
}

}  // namespace hpc::cmd
