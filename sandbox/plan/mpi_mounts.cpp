#include "sandbox/plan/mpi_mounts.hpp"

#include "common/environ.hpp"
#include "common/error.hpp"
#include "mpi/mpi.hpp"
#include "sandbox/plan/mount_visibility.hpp"
#include "sandbox/plan/site_policy.hpp"

#include <algorithm>

namespace hpc::sandbox {
namespace {

void plan_launch_directories(const HostFacts& host, const site::SiteConfig& site, std::vector<MountStep> visible,
                             MpiMounts& mounts) {
    std::vector<std::string> refused;  // one warning for a directory and those below it
    for (const mpi::LaunchDirectory& directory : mpi::launch_directories(host.environ)) {
        std::optional<std::string> canonical = host.canonical(directory.path);
        if (!canonical || shows_host_path(visible, directory.path, *canonical, host.canonical)) continue;
        if (std::any_of(refused.begin(), refused.end(),
                        [&](const std::string& path) { return path_is_within(directory.path, path); }))
            continue;
        try {
            check_bind_source(site, *canonical);
        } catch (const Error& error) {
            mounts.warnings.push_back(directory.variable + " " + directory.path + " is not bound: " + error.what());
            refused.push_back(directory.path);
            continue;
        }
        // Read-write: the PMIx client takes locks in its server's data store.
        MountStep step = bind_step(*canonical, directory.path, false, "mpi: " + directory.variable);
        visible.push_back(step);
        mounts.steps.push_back(std::move(step));
    }
}

void plan_host_mpi(bool asked, const HostFacts& host, const ImageSummary& image, const site::SiteConfig& site,
                   MpiMounts& mounts) {
    std::optional<mpi::MpiLibrary> image_mpi;
    if (image.libraries.find_mpi) image_mpi = image.libraries.find_mpi("");
    if (!image_mpi) {
        if (!asked) return;  // the site's default: an image without an MPI runs as it is
        throw Error(ExitCode::data, "--mpi host: " + image.path + " has no MPI library (no libmpi.so.N or "
                                    "libmpich.so.N in " + mpi::image_library_locations() + ")");
    }
    if (!host.mpi) throw Error(ExitCode::software, "--mpi host: no way to look for the host's MPI");
    mpi::BindModel model;
    mpi::HostMpiQuery query{site.mpi.library, image_mpi->soname, environ_directories(host.environ, "LD_LIBRARY_PATH")};
    try {
        model = mpi::plan_bind_model(host.mpi(query), *image_mpi, image.libraries);
    } catch (const Error& error) {
        if (asked) throw;
        throw Error(error.code(), std::string(error.what()) +
                                      " (the site's mpi.default is \"host\"; --mpi image runs the image's own)");
    }

    for (const mpi::HostDirectory& directory : model.directories) {
        if (directory.user_chosen) check_bind_source(site, directory.path);
        mounts.steps.push_back(bind_step(directory.path, directory.path, true, "mpi host: " + directory.reason));
    }
    const std::string library_directory(mpi::library_directory);
    mounts.steps.push_back(tmpfs_step(library_directory, "mode=0755", "mpi host: libraries", true));
    for (const mpi::HostLibrary& library : model.libraries) {
        if (library.user_chosen) check_bind_source(site, library.path);
        MountStep file = bind_step(library.path, library_directory + "/" + library.name, true, "mpi host");
        file.is_directory = false;
        mounts.steps.push_back(std::move(file));
    }
    mounts.library_directories.push_back(library_directory);
}

}  // namespace

MpiMounts plan_mpi_mounts(const LaunchRequest& request, const HostFacts& host, const ImageSummary& image,
                          const site::SiteConfig& site, const std::vector<MountStep>& planned) {
    const std::string& mode = request.mpi.empty() ? site.mpi.default_mpi : request.mpi;
    if (mode != "image" && mode != "host")
        throw Error(ExitCode::usage, "--mpi " + request.mpi + ": not an MPI hpc knows (image or host)");
    MpiMounts mounts;
    plan_launch_directories(host, site, planned, mounts);
    if (mode == "host") plan_host_mpi(!request.mpi.empty(), host, image, site, mounts);
    return mounts;
}

}  // namespace hpc::sandbox
