#include "mpi/library_search.hpp"

#include "common/error.hpp"
#include "common/path_in_root.hpp"

#include <elf.h>

#include <algorithm>

namespace hpc::mpi {
namespace {

constexpr char cache_path[] = "/etc/ld.so.cache";

// hpc's own architecture: the objects a program it starts could load.
#if defined(__x86_64__)
constexpr unsigned native_machine = EM_X86_64;
constexpr char multiarch[] = "x86_64-linux-gnu";
#elif defined(__aarch64__)
constexpr unsigned native_machine = EM_AARCH64;
constexpr char multiarch[] = "aarch64-linux-gnu";
#elif defined(__powerpc64__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
constexpr unsigned native_machine = EM_PPC64;
constexpr char multiarch[] = "powerpc64le-linux-gnu";
#elif defined(__riscv) && __riscv_xlen == 64
constexpr unsigned native_machine = EM_RISCV;
constexpr char multiarch[] = "riscv64-linux-gnu";
#else
#error "the MPI library search needs this architecture's ELF machine and multiarch name"
#endif

std::string directory_of(const std::string& path) {
    size_t slash = path.rfind('/');
    return slash == 0 ? "/" : path.substr(0, slash);
}

// $ORIGIN is the needing object's directory; a path with another token ($LIB, $PLATFORM)
// depends on the loader's build, and is passed over rather than guessed.
std::optional<std::string> expand_origin(const std::string& entry, const FoundLibrary& needed_by) {
    std::string expanded = entry;
    for (std::string_view token : {"${ORIGIN}", "$ORIGIN"})
        for (size_t at = expanded.find(token); at != std::string::npos; at = expanded.find(token))
            expanded.replace(at, token.size(), directory_of(needed_by.path));
    if (expanded.find('$') != std::string::npos || expanded.empty() || expanded.front() != '/') return std::nullopt;
    return normalize_absolute(expanded);
}

std::vector<std::string> expanded(const std::vector<std::string>& entries, const FoundLibrary& needed_by) {
    std::vector<std::string> directories;
    for (const std::string& entry : entries)
        if (std::optional<std::string> directory = expand_origin(entry, needed_by)) directories.push_back(*directory);
    return directories;
}

}  // namespace

std::vector<std::string> own_search_directories(const FoundLibrary& library) {
    std::vector<std::string> directories = expanded(library.object.rpath, library);
    for (std::string& directory : expanded(library.object.runpath, library)) directories.push_back(std::move(directory));
    return directories;
}

const std::vector<std::string>& default_library_directories() {
    static const std::vector<std::string> directories = {std::string("/lib/") + multiarch,
                                                         std::string("/usr/lib/") + multiarch,
                                                         "/lib64",
                                                         "/usr/lib64",
                                                         "/lib",
                                                         "/usr/lib"};
    return directories;
}

bool is_default_library_directory(const std::string& directory) {
    const std::vector<std::string>& defaults = default_library_directories();
    return std::find(defaults.begin(), defaults.end(), normalize_absolute(directory)) != defaults.end();
}

LibrarySearch::LibrarySearch(FileView view, std::vector<std::string> ld_library_path, ElfReadOptions options)
    : view_(std::move(view)), ld_library_path_(std::move(ld_library_path)), options_(std::move(options)) {}

const std::vector<CacheEntry>& LibrarySearch::cache() {
    if (!cache_) {
        std::optional<FileBytes> file = view_.read(cache_path);
        cache_ = file ? parse_ld_so_cache(file->bytes, cache_path) : std::vector<CacheEntry>{};
    }
    return *cache_;
}

std::optional<FoundLibrary> LibrarySearch::load(const std::string& path, const std::string& name, bool user_chosen,
                                                const ElfReadOptions* options) {
    std::optional<FileBytes> file = view_.read(path);
    if (!file || !looks_like_elf(file->bytes)) return std::nullopt;
    std::optional<std::string> canonical = view_.canonical(path);
    if (!canonical) return std::nullopt;
    ElfObject object = read_elf_object(file->bytes, *canonical, options ? *options : options_);
    if (object.machine != native_machine || !object.is_64_bit) return std::nullopt;
    return FoundLibrary{name, *canonical, std::move(object), user_chosen};
}

std::optional<FoundLibrary> LibrarySearch::find_in(const std::vector<std::string>& directories,
                                                   const std::string& name, bool user_chosen) {
    for (const std::string& directory : directories)
        if (std::optional<FoundLibrary> found = load(directory + "/" + name, name, user_chosen)) return found;
    return std::nullopt;
}

std::optional<FoundLibrary> LibrarySearch::find(const std::string& name, const FoundLibrary* needed_by) {
    if (name.find('/') != std::string::npos) return load(name, name.substr(name.rfind('/') + 1), false);
    if (needed_by && needed_by->object.runpath.empty())
        if (auto found = find_in(expanded(needed_by->object.rpath, *needed_by), name, needed_by->user_chosen))
            return found;
    if (auto found = find_in(ld_library_path_, name, true)) return found;
    if (needed_by)
        if (auto found = find_in(expanded(needed_by->object.runpath, *needed_by), name, needed_by->user_chosen))
            return found;
    for (const CacheEntry& entry : cache())
        if (entry.name == name)
            if (auto found = load(entry.path, name, false)) return found;
    return find_in(default_library_directories(), name, false);
}

std::optional<FoundLibrary> LibrarySearch::find_any(bool (*wanted)(std::string_view name)) {
    for (const CacheEntry& entry : cache())
        if (wanted(entry.name))
            if (auto found = load(entry.path, entry.name, false)) return found;
    // A system directory holds thousands of names: listed only when the cache did not answer.
    for (const std::string& directory : default_library_directories()) {
        std::vector<std::string> names = view_.list(directory);
        std::sort(names.begin(), names.end());
        for (const std::string& name : names)
            if (wanted(name))
                if (auto found = load(directory + "/" + name, name, false)) return found;
    }
    return std::nullopt;
}

std::vector<std::string> LibrarySearch::names_matching(const std::function<bool(std::string_view name)>& wanted) {
    std::vector<std::string> names;
    auto add = [&](const std::string& name) {
        if (wanted(name) && std::find(names.begin(), names.end(), name) == names.end()) names.push_back(name);
    };
    auto add_listed = [&](const std::string& directory) {
        std::vector<std::string> listed = view_.list(directory);
        std::sort(listed.begin(), listed.end());
        for (const std::string& name : listed) add(name);
    };
    for (const std::string& directory : ld_library_path_) add_listed(directory);
    for (const CacheEntry& entry : cache()) add(entry.name);
    if (cache().empty())
        for (const std::string& directory : default_library_directories()) add_listed(directory);
    return names;
}

}  // namespace hpc::mpi
