// Which MPI a libmpi is, as far as its binary interface goes. Two ABIs are shared across
// implementations, and a program built against one library of an ABI runs with another:
//  - Open MPI's: libmpi.so.40 from 3.0 to 5.x (libmpi.so.20 was 2.x, libmpi.so.12 1.10);
//    its handles are pointers to ompi_* objects, so its libmpi defines ompi_mpi_comm_world;
//  - the MPICH ABI (MPICH 3.1 and later, Intel MPI 5 and later, MVAPICH2 2.0 and later, Cray
//    MPICH 7 and later): libmpi.so.12 (Debian names MPICH's libmpich.so.12), integer handles.
#pragma once

#include "mpi/elf_object.hpp"

#include <optional>
#include <string>
#include <string_view>

namespace hpc::mpi {

enum class MpiFamily { open_mpi, mpich_abi, other };

struct MpiLibrary {
    std::string path;    // on the host: canonical; in an image: where the image's loader finds it
    std::string soname;  // "libmpi.so.40"
    MpiFamily family = MpiFamily::other;

    bool operator==(const MpiLibrary&) const = default;
};

// What read_elf_object must look for to identify an MPI library.
ElfReadOptions mpi_read_options();

// Whether a file name is one a libmpi goes by: "libmpi.so.N" or "libmpich.so.N".
bool is_mpi_library_name(std::string_view name);

// The library at `path`, read with mpi_read_options(). Its family: Open MPI's when it defines
// ompi_mpi_comm_world, the MPICH ABI for a libmpi.so.12 or libmpich.so.12 that defines
// MPI_Init, other for the rest.
MpiLibrary identify_mpi(const std::string& path, const ElfObject& object);

// "/usr/lib/x86_64-linux-gnu/libmpi.so.40 (Open MPI, libmpi.so.40)", for messages.
std::string describe(const MpiLibrary& library);

// Whether a program built against `image`'s library runs with `host`'s: the same family,
// and for Open MPI the same SONAME (its ABI changed with each). nullopt when it does, else
// why not, in a phrase.
std::optional<std::string> abi_mismatch(const MpiLibrary& host, const MpiLibrary& image);

}  // namespace hpc::mpi
