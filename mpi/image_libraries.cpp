#include "mpi/image_libraries.hpp"

#include "mpi/library_search.hpp"

#include <memory>

namespace hpc::mpi {

ImageLibraries image_libraries(FileView image) {
    // One search for both questions, so that the image's ld.so.cache is read once.
    auto search = std::make_shared<LibrarySearch>(std::move(image), std::vector<std::string>{}, mpi_read_options());
    ImageLibraries libraries;
    libraries.find_mpi = [search](const std::string& preferred) -> std::optional<MpiLibrary> {
        std::optional<FoundLibrary> found;
        if (!preferred.empty()) found = search->find(preferred);
        if (!found) found = search->find_any(is_mpi_library_name);
        if (!found) return std::nullopt;
        return identify_mpi(found->path, found->object);
    };
    libraries.version_definitions = [search](const std::string& name) -> std::optional<std::vector<std::string>> {
        std::optional<FoundLibrary> found = search->find(name);
        if (!found) return std::nullopt;
        return found->object.version_definitions;
    };
    return libraries;
}

std::string image_library_locations() {
    std::string text = "its /etc/ld.so.cache";
    for (const std::string& directory : default_library_directories()) text += ", " + directory;
    return text;
}

}  // namespace hpc::mpi
