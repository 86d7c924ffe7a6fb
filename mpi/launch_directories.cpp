#include "mpi/launch_directories.hpp"

#include "common/environ.hpp"
#include "common/path_in_root.hpp"

#include <algorithm>
#include <array>
#include <string_view>

namespace hpc::mpi {
namespace {

// PMIx (any server: slurmstepd, Open MPI's orted and prte, MPICH's Hydra with PMIx) names its
// session directory and the dstore files in it; Open MPI 2 to 4's ORTE names its session
// directories (the launch's, the job's, and the rank's own).
constexpr std::array session_variables = {
    "PMIX_SERVER_TMPDIR",          "PMIX_DSTORE_21_BASE_PATH",         "PMIX_DSTORE_ESH_BASE_PATH",
    "OMPI_MCA_orte_top_session_dir", "OMPI_MCA_orte_jobfam_session_dir", "OMPI_FILE_LOCATION",
};

}  // namespace

std::vector<LaunchDirectory> launch_directories(const std::vector<std::string>& environ) {
    std::vector<LaunchDirectory> directories;
    for (std::string_view variable : session_variables) {
        std::string_view value = environ_value(environ, variable).value_or("");
        if (value.empty() || value.front() != '/') continue;
        std::string path = normalize_absolute(value);
        bool named = std::any_of(directories.begin(), directories.end(),
                                 [&](const LaunchDirectory& directory) { return directory.path == path; });
        if (path != "/" && !named) directories.push_back({std::string(variable), path});
    }
    // A parent first: binding it shows what is below, and the planner then skips those.
    std::stable_sort(directories.begin(), directories.end(),
                     [](const LaunchDirectory& a, const LaunchDirectory& b) { return a.path < b.path; });
    return directories;
}

}  // namespace hpc::mpi
