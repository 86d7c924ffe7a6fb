// What the bind model asks of an image's libraries before it is mounted: which libmpi its
// programs would load, and which symbol versions its glibc and compiler run-time libraries
// define. Asked through functions, so that the planner stays pure and its tests can invent
// any image, and so that an image is read only when --mpi host asks.
#pragma once

#include "mpi/file_view.hpp"
#include "mpi/mpi_library.hpp"

#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace hpc::mpi {

struct ImageLibraries {
    // The libmpi the image's loader would find: the one named `preferred` when the image has
    // it, else any libmpi.so.N or libmpich.so.N; nullopt when it has none. Its path is the
    // image's.
    std::function<std::optional<MpiLibrary>(const std::string& preferred)> find_mpi;
    // The symbol versions the image's library `name` ("libc.so.6") defines; nullopt when the
    // image's loader would find no such library.
    std::function<std::optional<std::vector<std::string>>(const std::string& name)> version_definitions;
};

// An image's libraries, found as its loader would (its ld.so.cache, then the default
// directories: its LD_LIBRARY_PATH is its scripts' business, unknown until it runs).
ImageLibraries image_libraries(FileView image);

// Where image_libraries() looks, for a message that says so.
std::string image_library_locations();

}  // namespace hpc::mpi
