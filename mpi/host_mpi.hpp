// The host's MPI, as the bind model brings it into a container: its libmpi and the bindings
// beside it (libmpi_mpifh, libmpicxx, ...), every library the loader would load with them
// (glibc's left out: the image's own stays), and the directories those libraries open files
// in at run time (Open MPI's, PMIx's, UCX's plugins), bound at their own paths.
#pragma once

#include "mpi/elf_object.hpp"
#include "mpi/file_view.hpp"
#include "mpi/mpi_library.hpp"

#include <string>
#include <vector>

namespace hpc::mpi {

struct HostLibrary {
    std::string name;  // what the loader looks for (a DT_NEEDED name, or the SONAME)
    std::string path;  // canonical host path
    std::vector<VersionNeed> needs;
    bool user_chosen = false;  // found through the user's LD_LIBRARY_PATH

    bool operator==(const HostLibrary&) const = default;
};

struct HostDirectory {
    std::string path;    // canonical host path, bound at the same path
    std::string reason;  // for --dry-run: "prefix of libmpi.so.40", "named by libpmix.so.2"
    bool user_chosen = false;

    bool operator==(const HostDirectory&) const = default;
};

// A shared object in one of the directories (a plugin): not bound by itself, but what it
// needs must be there too.
struct HostPlugin {
    std::string path;
    std::vector<VersionNeed> needs;

    bool operator==(const HostPlugin&) const = default;
};

struct HostMpi {
    MpiLibrary libmpi;
    std::vector<HostLibrary> libraries;  // libmpi first
    std::vector<HostDirectory> directories;
    std::vector<HostPlugin> plugins;
};

struct HostMpiQuery {
    std::string library;           // the site config's mpi.library; empty: search for one
    std::string preferred_soname;  // the image's libmpi's SONAME: looked for first
    std::vector<std::string> ld_library_path;  // the user's LD_LIBRARY_PATH, split
};

// Finds the host's MPI as the loader would: `library` when given; else the preferred SONAME,
// then any libmpi.so.N or libmpich.so.N, in LD_LIBRARY_PATH, the ld.so.cache and the default
// directories. Throws hpc::Error(unavailable) when there is none, (config) when `library`
// is not a library of this architecture.
HostMpi find_host_mpi(const FileView& host, const HostMpiQuery& query);

}  // namespace hpc::mpi
