#include "gpu/device_discovery.hpp"
#include "gpu/host_gpu.hpp"
#include "mpi/library_search.hpp"

#include <algorithm>
#include <charconv>

namespace hpc::gpu {
namespace {

bool is_listed(std::string_view name, const std::vector<std::string>& listed) {
    return std::any_of(listed.begin(), listed.end(), [&](const std::string& entry) { return is_library_named(name, entry); });
}

std::vector<DriverFile> find_libraries(const GpuHostView& view, const GpuQuery& query) {
    mpi::LibrarySearch search(view.files, query.ld_library_path, {});
    std::vector<DriverFile> libraries;
    for (const std::string& name :
         search.names_matching([&](std::string_view candidate) { return is_listed(candidate, query.libraries); })) {
        // Where the loader would take this name from: a 32-bit or foreign library of the same
        // name is passed over there, and so here.
        std::optional<mpi::FoundLibrary> found = search.find(name);
        if (found) libraries.push_back({name, found->path, found->user_chosen});
    }
    return libraries;
}

// Each program on the user's PATH, as a shell would find it. The PATH is the user's to set,
// so every one counts as user-chosen (the site's bind policy has its say on it).
std::vector<DriverFile> find_programs(const GpuHostView& view, const GpuQuery& query) {
    std::vector<DriverFile> programs;
    for (const std::string& name : query.programs)
        for (const std::string& directory : query.path) {
            std::string path = directory + "/" + name;
            if (!view.is_executable(path)) continue;
            if (std::optional<std::string> canonical = view.files.canonical(path))
                programs.push_back({name, *canonical, true});
            break;
        }
    return programs;
}

}  // namespace

bool is_library_named(std::string_view file_name, std::string_view listed) {
    return file_name.starts_with(listed) && (file_name.size() == listed.size() || file_name[listed.size()] == '.');
}

std::optional<unsigned> number_after(std::string_view name, std::string_view prefix) {
    if (!name.starts_with(prefix) || name.size() == prefix.size()) return std::nullopt;
    std::string_view digits = name.substr(prefix.size());
    unsigned number = 0;
    auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), number);
    if (error != std::errc() || end != digits.data() + digits.size()) return std::nullopt;
    return number;
}

std::vector<unsigned> numbered_devices(const GpuHostView& view, const std::string& directory, std::string_view prefix) {
    std::vector<unsigned> numbers;
    for (const std::string& name : view.files.list(directory))
        if (std::optional<unsigned> number = number_after(name, prefix))
            if (view.is_character_device(directory + "/" + name)) numbers.push_back(*number);
    std::sort(numbers.begin(), numbers.end());
    return numbers;
}

HostGpu find_host_gpu(const GpuHostView& view, const GpuQuery& query) {
    HostGpu gpu;
    gpu.libraries = find_libraries(view, query);
    gpu.programs = find_programs(view, query);
    if (query.vendor == Vendor::nvidia)
        find_nvidia_devices(view, gpu);
    else
        find_amd_devices(view, gpu);
    return gpu;
}

}  // namespace hpc::gpu
