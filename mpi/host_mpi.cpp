// How the host's MPI is gathered: libmpi and the libraries beside it that belong to it, then,
// to a fixed point, every library they need and every plugin directory they name. A library
// names its package's directories in its RUNPATH (Debian's libmpi: .../openmpi/lib, where
// its plugins are) and as string constants (libpmix its pmix2/lib, libucs the ucx module
// directory, libhwloc its plugins'): such a directory that holds shared objects is bound whole
// at its own path, and the plugins in it are read for what they need in turn.
#include "mpi/host_mpi.hpp"

#include "common/error.hpp"
#include "common/path_in_root.hpp"
#include "mpi/library_search.hpp"
#include "mpi/system_libraries.hpp"

#include <algorithm>
#include <array>
#include <deque>
#include <set>

namespace hpc::mpi {
namespace {

constexpr size_t max_directories = 64;
constexpr size_t max_plugins = 4096;
constexpr int max_plugin_depth = 4;

// Directories that hold much besides an MPI: never bound whole, even when a library names one,
// since the image's own would be hidden.
bool is_shared_directory(const std::string& path) {
    static constexpr std::array shared = {"/",     "/usr", "/usr/local", "/usr/local/lib", "/usr/local/lib64",
                                          "/opt",  "/etc", "/var",       "/tmp",           "/home",
                                          "/usr/share", "/usr/libexec", "/usr/include"};
    return is_default_library_directory(path) || std::find(shared.begin(), shared.end(), path) != shared.end();
}

std::string directory_of(const std::string& path) {
    size_t slash = path.rfind('/');
    return slash == 0 ? "/" : path.substr(0, slash);
}

std::string base_name(const std::string& path) { return path.substr(path.rfind('/') + 1); }

bool is_shared_object_name(std::string_view name) {
    return name.ends_with(".so") || name.find(".so.") != std::string_view::npos;
}

// An MPI installed in a directory of its own (/opt/openmpi-4.1.5/lib, Intel MPI's lib/release,
// Fedora's /usr/lib64/openmpi/lib) is bound from its prefix, so that its plugins, help files
// and configuration come with it. One in the system's directories has none.
std::optional<std::string> installation_prefix(const std::string& library_path) {
    std::string prefix = directory_of(library_path);
    if (is_shared_directory(prefix)) return std::nullopt;
    for (std::string name = base_name(prefix); name == "lib" || name == "lib64" || name == "release" || name == "debug";
         name = base_name(prefix))
        prefix = directory_of(prefix);
    if (is_shared_directory(prefix)) return std::nullopt;
    return prefix;
}

// "libmpi.so.40" -> ".so.40": the bindings beside libmpi share its ABI generation.
std::string soname_suffix(const std::string& soname) {
    size_t at = soname.rfind(".so.");
    return at == std::string::npos ? std::string(".so") : soname.substr(at);
}

std::vector<std::string> sorted_listing(const FileView& view, const std::string& directory) {
    std::vector<std::string> names = view.list(directory);
    std::sort(names.begin(), names.end());
    return names;
}

FoundLibrary locate_libmpi(LibrarySearch& search, const FileView& view, const HostMpiQuery& query) {
    if (!query.library.empty()) {
        std::optional<FoundLibrary> found = search.load(query.library, base_name(query.library), false);
        if (!found)
            throw Error(ExitCode::config, "mpi.library " + query.library + ": not a shared library of this machine");
        if (!found->object.soname.empty()) found->name = found->object.soname;
        return *found;
    }
    if (!query.preferred_soname.empty())
        if (std::optional<FoundLibrary> found = search.find(query.preferred_soname)) return *found;
    for (const std::string& directory : query.ld_library_path)
        for (const std::string& name : sorted_listing(view, directory))
            if (is_mpi_library_name(name))
                if (std::optional<FoundLibrary> found = search.load(directory + "/" + name, name, true)) return *found;
    if (std::optional<FoundLibrary> found = search.find_any(is_mpi_library_name)) return *found;
    std::string directories;
    for (const std::string& directory : default_library_directories()) directories += ", " + directory;
    throw Error(ExitCode::unavailable, "no MPI library on this host (no libmpi.so.N or libmpich.so.N in LD_LIBRARY_PATH, "
                                       "/etc/ld.so.cache" + directories +
                                           "); a site names its MPI with mpi.library in the site config");
}

class Closure {
public:
    Closure(LibrarySearch& search, const FileView& view, HostMpi& result)
        : search_(search), view_(view), result_(result) {}

    // A library the loader will look for by `found.name`; read for what it needs once per file.
    void add_library(const FoundLibrary& found) {
        if (!names_.insert(found.name).second) return;
        result_.libraries.push_back({found.name, found.path, found.object.version_needs, found.user_chosen});
        if (objects_.insert(found.path).second) queue_.push_back(found);
    }

    void add_directory(const std::string& path, const std::string& reason, bool user_chosen) {
        std::optional<std::string> canonical = view_.canonical(path);
        if (!canonical || is_shared_directory(*canonical) || !view_.is_directory(*canonical)) return;
        for (const HostDirectory& directory : result_.directories)
            if (*canonical == directory.path || canonical->starts_with(directory.path + "/")) return;
        if (result_.directories.size() >= max_directories) return;
        result_.directories.push_back({*canonical, reason, user_chosen});
        scan_plugins(*canonical, 0, user_chosen);
    }

    void complete() {
        while (!queue_.empty()) {
            FoundLibrary object = std::move(queue_.front());
            queue_.pop_front();
            for (const std::string& needed : object.object.needed) {
                if (is_glibc_library(needed) || names_.count(needed)) continue;
                // One the host cannot find is one its own programs could not load either (a
                // plugin for hardware it lacks): nothing to bring.
                if (std::optional<FoundLibrary> found = search_.find(needed, &object)) add_library(*found);
            }
            std::vector<std::string> candidates = own_search_directories(object);
            candidates.insert(candidates.end(), object.object.named_paths.begin(), object.object.named_paths.end());
            for (const std::string& candidate : candidates)
                if (holds_shared_objects(candidate))
                    add_directory(candidate, "named by " + object.name, object.user_chosen);
        }
    }

private:
    bool holds_shared_objects(const std::string& path) const {
        if (!view_.is_directory(path)) return false;
        std::vector<std::string> names = view_.list(path);
        return std::any_of(names.begin(), names.end(), is_shared_object_name);
    }

    void scan_plugins(const std::string& directory, int depth, bool user_chosen) {
        for (const std::string& name : sorted_listing(view_, directory)) {
            if (result_.plugins.size() >= max_plugins) return;
            std::string path = directory + "/" + name;
            if (view_.is_directory(path)) {
                if (depth < max_plugin_depth) scan_plugins(path, depth + 1, user_chosen);
                continue;
            }
            if (!is_shared_object_name(name)) continue;
            std::optional<std::string> canonical = view_.canonical(path);
            if (!canonical || objects_.count(*canonical)) continue;
            // A plugin's own strings are not read for directories: there are hundreds of plugins,
            // and the libraries they belong with name their package's directories.
            static const ElfReadOptions plugin_options;
            std::optional<FoundLibrary> plugin = search_.load(*canonical, name, user_chosen, &plugin_options);
            if (!plugin) continue;
            objects_.insert(plugin->path);
            result_.plugins.push_back({plugin->path, plugin->object.version_needs});
            queue_.push_back(std::move(*plugin));
        }
    }

    LibrarySearch& search_;
    const FileView& view_;
    HostMpi& result_;
    std::set<std::string> names_;    // names given a place in the library directory
    std::set<std::string> objects_;  // files read, by canonical path
    std::deque<FoundLibrary> queue_;
};

}  // namespace

HostMpi find_host_mpi(const FileView& host, const HostMpiQuery& query) {
    ElfReadOptions options;
    options.named_paths = true;
    LibrarySearch search(host, query.ld_library_path, options);
    FoundLibrary libmpi = locate_libmpi(search, host, query);

    HostMpi result;
    std::optional<FileBytes> bytes = host.read(libmpi.path);
    if (!bytes)
        throw Error(ExitCode::unavailable, "reading the host's MPI library " + libmpi.path +
                                               ": found, but not readable by this user, not a regular file, "
                                               "or too large to map");
    result.libmpi = identify_mpi(libmpi.path, read_elf_object(bytes->bytes, libmpi.path, mpi_read_options()));

    Closure closure(search, host, result);
    closure.add_library(libmpi);
    // The bindings (libmpi_mpifh, libmpicxx, libmpifort, ...) beside it: a program built
    // against the image's needs the host's of the same generation.
    std::string directory = directory_of(libmpi.path);
    std::string suffix = soname_suffix(result.libmpi.soname);
    for (const std::string& name : sorted_listing(host, directory))
        if (name.starts_with("libmpi") && name.ends_with(suffix) && name != libmpi.name)
            if (std::optional<FoundLibrary> binding = search.load(directory + "/" + name, name, libmpi.user_chosen))
                closure.add_library(*binding);
    if (std::optional<std::string> prefix = installation_prefix(libmpi.path))
        closure.add_directory(*prefix, "prefix of " + libmpi.name, libmpi.user_chosen);
    closure.complete();
    return result;
}

}  // namespace hpc::mpi
