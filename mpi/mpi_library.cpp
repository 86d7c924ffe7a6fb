#include "mpi/mpi_library.hpp"

#include <algorithm>
#include <optional>

namespace hpc::mpi {
namespace {

constexpr std::string_view open_mpi_symbol = "ompi_mpi_comm_world";
constexpr std::string_view mpi_init_symbol = "MPI_Init";

bool defines(const ElfObject& object, std::string_view symbol) {
    return std::find(object.defined_symbols.begin(), object.defined_symbols.end(), symbol) !=
           object.defined_symbols.end();
}

bool all_digits(std::string_view text) {
    return !text.empty() && std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

std::string_view family_name(MpiFamily family) {
    switch (family) {
    case MpiFamily::open_mpi: return "Open MPI";
    case MpiFamily::mpich_abi: return "MPICH ABI";
    case MpiFamily::other: break;
    }
    return "an MPI of unknown ABI";
}

}  // namespace

ElfReadOptions mpi_read_options() {
    ElfReadOptions options;
    options.wanted_symbols = {std::string(open_mpi_symbol), std::string(mpi_init_symbol)};
    return options;
}

bool is_mpi_library_name(std::string_view name) {
    for (std::string_view stem : {"libmpi.so.", "libmpich.so."})
        if (name.starts_with(stem) && all_digits(name.substr(stem.size()))) return true;
    return false;
}

MpiLibrary identify_mpi(const std::string& path, const ElfObject& object) {
    MpiLibrary library;
    library.path = path;
    library.soname = object.soname.empty() ? path.substr(path.rfind('/') + 1) : object.soname;
    if (defines(object, open_mpi_symbol))
        library.family = MpiFamily::open_mpi;
    else if (defines(object, mpi_init_symbol) && (library.soname == "libmpi.so.12" || library.soname == "libmpich.so.12"))
        library.family = MpiFamily::mpich_abi;
    return library;
}

std::string describe(const MpiLibrary& library) {
    return library.path + " (" + std::string(family_name(library.family)) + ", " + library.soname + ")";
}

std::optional<std::string> abi_mismatch(const MpiLibrary& host, const MpiLibrary& image) {
    if (host.family == MpiFamily::other || image.family == MpiFamily::other)
        return "hpc knows the ABI of Open MPI and of the MPICH family only";
    if (host.family != image.family) return "different MPI ABIs";
    if (host.family == MpiFamily::open_mpi && host.soname != image.soname)
        return "different Open MPI ABI versions (" + image.soname + " and " + host.soname + ")";
    return std::nullopt;
}

}  // namespace hpc::mpi
