#include "mpi/bind_model.hpp"

#include "common/error.hpp"
#include "mpi/system_libraries.hpp"

#include <algorithm>
#include <map>

namespace hpc::mpi {
namespace {

// The image's answers, each asked once: reading a library in the image means decompressing it.
class ImageVersions {
public:
    explicit ImageVersions(const ImageLibraries& image) : image_(image) {}

    const std::optional<std::vector<std::string>>& of(const std::string& name) {
        auto found = answers_.find(name);
        if (found == answers_.end()) found = answers_.emplace(name, image_.version_definitions(name)).first;
        return found->second;
    }

private:
    const ImageLibraries& image_;
    std::map<std::string, std::optional<std::vector<std::string>>> answers_;
};

bool contains(const std::vector<std::string>& list, const std::string& item) {
    return std::find(list.begin(), list.end(), item) != list.end();
}

// Every host object the container may load (the libraries bound, the plugins in the
// directories) with each symbol version it needs.
template <typename Visit>
void for_each_need(const std::vector<HostLibrary>& libraries, const HostMpi& host, Visit visit) {
    for (const HostLibrary& library : libraries)
        for (const VersionNeed& need : library.needs) visit(library.path, need);
    for (const HostPlugin& plugin : host.plugins)
        for (const VersionNeed& need : plugin.needs) visit(plugin.path, need);
}

bool image_runtime_serves(const HostMpi& host, const std::string& name, ImageVersions& image) {
    const std::optional<std::vector<std::string>>& defined = image.of(name);
    if (!defined) return false;
    bool serves = true;
    for_each_need(host.libraries, host, [&](const std::string&, const VersionNeed& need) {
        if (need.file == name && !contains(*defined, need.version)) serves = false;
    });
    return serves;
}

std::optional<std::string> glibc_problem(const std::vector<HostLibrary>& bound, const HostMpi& host,
                                         ImageVersions& image) {
    std::optional<std::string> problem;
    for_each_need(bound, host, [&](const std::string& path, const VersionNeed& need) {
        if (problem || !is_glibc_library(need.file)) return;
        const std::optional<std::vector<std::string>>& defined = image.of(need.file);
        if (!defined) {
            problem = "the host's " + path + " needs " + need.file + ", which the image lacks";
        } else if (!contains(*defined, need.version)) {
            std::string newest(newest_version(*defined));
            problem = "the host's " + path + " needs " + need.version + " of " + need.file +
                      ", which the image's glibc lacks" + (newest.empty() ? "" : " (its newest is " + newest + ")");
        }
    });
    return problem;
}

}  // namespace

BindModel plan_bind_model(const HostMpi& host, const MpiLibrary& image_mpi, const ImageLibraries& image) {
    auto refuse = [&](const std::string& cause) {
        throw Error(ExitCode::data, "--mpi host: the image's " + describe(image_mpi) + " cannot use the host's " +
                                        describe(host.libmpi) + ": " + cause);
    };
    if (std::optional<std::string> mismatch = abi_mismatch(host.libmpi, image_mpi)) refuse(*mismatch);

    ImageVersions versions(image);
    BindModel model;
    for (const HostLibrary& library : host.libraries)
        if (!is_compiler_runtime(library.name) || !image_runtime_serves(host, library.name, versions))
            model.libraries.push_back(library);
    if (std::optional<std::string> problem = glibc_problem(model.libraries, host, versions)) refuse(*problem);

    // A program looks for the SONAME it was linked with: Debian's MPICH is libmpich.so.12,
    // the others' libmpi.so.12, one ABI under two names.
    bool named = std::any_of(model.libraries.begin(), model.libraries.end(),
                             [&](const HostLibrary& library) { return library.name == image_mpi.soname; });
    auto libmpi = std::find_if(host.libraries.begin(), host.libraries.end(),
                               [&](const HostLibrary& library) { return library.path == host.libmpi.path; });
    if (!named && libmpi != host.libraries.end()) {
        HostLibrary alias = *libmpi;
        alias.name = image_mpi.soname;
        model.libraries.push_back(std::move(alias));
    }
    model.directories = host.directories;
    return model;
}

}  // namespace hpc::mpi
