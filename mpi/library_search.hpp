// Where the dynamic loader would find a library by name, in a file tree (the host's, or an
// image's), following ld.so(8): the needing object's DT_RPATH (when it has no DT_RUNPATH),
// LD_LIBRARY_PATH, its DT_RUNPATH, /etc/ld.so.cache, then the default directories. A file is
// taken only when it is an ELF object of hpc's own architecture, as the loader passes over
// the others (a 32-bit library of the same name, a linker script).
#pragma once

#include "mpi/elf_object.hpp"
#include "mpi/file_view.hpp"
#include "mpi/ld_so_cache.hpp"

#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace hpc::mpi {

struct FoundLibrary {
    std::string name;    // the name it was looked up by: what the loader will look for
    std::string path;    // canonical in the tree
    ElfObject object;
    bool user_chosen = false;  // found through the user's LD_LIBRARY_PATH, not the system's setup
};

class LibrarySearch {
public:
    // `ld_library_path`: the directories of the user's LD_LIBRARY_PATH (empty for an image,
    // whose environment is not known before it runs). `options`: what to read of each object.
    LibrarySearch(FileView view, std::vector<std::string> ld_library_path, ElfReadOptions options);

    // The library `name` as the loader would find it for `needed_by` (null: for a program
    // without RPATH or RUNPATH). A name with a '/' is a path. nullopt when it is nowhere.
    std::optional<FoundLibrary> find(const std::string& name, const FoundLibrary* needed_by = nullptr);

    // The object at `path` when it is one of hpc's architecture, else nullopt; read with
    // `options` when given, else the search's.
    std::optional<FoundLibrary> load(const std::string& path, const std::string& name, bool user_chosen,
                                     const ElfReadOptions* options = nullptr);

    // The first library whose name passes `wanted` (a libmpi of any version), in the tree's
    // ld.so.cache, then in its default directories (listed only when the cache has none).
    std::optional<FoundLibrary> find_any(bool (*wanted)(std::string_view name));

    // Every library name that passes `wanted`, each once, from where the loader could find one:
    // the files of LD_LIBRARY_PATH's directories, then the tree's ld.so.cache (its default
    // directories listed only when it has no cache). find() then says which file each name is.
    std::vector<std::string> names_matching(const std::function<bool(std::string_view name)>& wanted);

    const std::vector<std::string>& ld_library_path() const { return ld_library_path_; }

private:
    const std::vector<CacheEntry>& cache();
    std::optional<FoundLibrary> find_in(const std::vector<std::string>& directories, const std::string& name,
                                        bool user_chosen);

    FileView view_;
    std::vector<std::string> ld_library_path_;
    ElfReadOptions options_;
    std::optional<std::vector<CacheEntry>> cache_;
};

// The directories `library` tells the loader to search (DT_RPATH and DT_RUNPATH, $ORIGIN
// expanded): those of the package it belongs to.
std::vector<std::string> own_search_directories(const FoundLibrary& library);

// The loader's default directories for hpc's architecture, most preferred first:
// /lib/<multiarch>, /usr/lib/<multiarch>, /lib64, /usr/lib64, /lib, /usr/lib.
const std::vector<std::string>& default_library_directories();

// Whether `directory` is one of those (the system's own, where everything lives).
bool is_default_library_directory(const std::string& directory);

}  // namespace hpc::mpi
