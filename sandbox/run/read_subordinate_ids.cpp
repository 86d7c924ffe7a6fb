#include "sandbox/run/read_subordinate_ids.hpp"

#include <dlfcn.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>

namespace hpc::sandbox {
namespace {

// shadow's <shadow/subid.h>, ABI 4 (Debian 12's libsubid4): declared here so that the library
// is needed only when it is loaded, not to start hpc.
struct subid_range {
    unsigned long start;
    unsigned long count;
};
using subid_init_function = bool (*)(const char* progname, FILE* logfd);
using subid_get_ranges_function = int (*)(const char* owner, subid_range** ranges);

// newuidmap and newgidmap, where shadow installs them, whatever the user's PATH.
bool id_mappers_installed() {
    for (const char* directory : {"/usr/bin", "/bin", "/usr/local/bin"}) {
        std::string base = directory;
        if (::access((base + "/newuidmap").c_str(), X_OK) == 0 && ::access((base + "/newgidmap").c_str(), X_OK) == 0)
            return true;
    }
    return false;
}

std::vector<SubordinateRange> ranges_of(subid_get_ranges_function get, const std::string& user_name) {
    subid_range* found = nullptr;
    int count = get(user_name.c_str(), &found);
    std::vector<SubordinateRange> ranges;
    for (int index = 0; index < count; ++index)
        if (found[index].count > 0 && found[index].start + found[index].count <= 0xffffffffull)
            ranges.push_back({static_cast<uint32_t>(found[index].start), static_cast<uint32_t>(found[index].count)});
    std::free(found);
    return ranges;
}

// libsubid, loaded on first use and kept for the process's life: subid_init keeps a copy of the
// program's name that nothing frees, and unloading the library would leak it.
struct Libsubid {
    subid_get_ranges_function get_uids = nullptr;
    subid_get_ranges_function get_gids = nullptr;
    std::string unavailable;  // why it cannot be used, or ""
};

Libsubid load_libsubid() {
    Libsubid loaded;
    void* library = ::dlopen("libsubid.so.4", RTLD_NOW | RTLD_LOCAL);
    if (!library) {
        loaded.unavailable = "libsubid is not installed (Debian package libsubid4)";
        return loaded;
    }
    auto init = reinterpret_cast<subid_init_function>(::dlsym(library, "subid_init"));
    loaded.get_uids = reinterpret_cast<subid_get_ranges_function>(::dlsym(library, "subid_get_uid_ranges"));
    loaded.get_gids = reinterpret_cast<subid_get_ranges_function>(::dlsym(library, "subid_get_gid_ranges"));
    if (!init || !loaded.get_uids || !loaded.get_gids) {
        loaded.unavailable = "libsubid.so.4 lacks subid_get_uid_ranges (an unexpected version)";
        ::dlclose(library);
        return loaded;
    }
    init("hpc", stderr);
    return loaded;
}

}  // namespace

SubordinateIds read_subordinate_ids(const std::string& user_name) {
    SubordinateIds ids;
    if (!id_mappers_installed()) {
        ids.unavailable = "newuidmap is not installed (Debian package uidmap)";
        return ids;
    }
    static const Libsubid libsubid = load_libsubid();
    if (!libsubid.unavailable.empty()) {
        ids.unavailable = libsubid.unavailable;
        return ids;
    }
    ids.uids = ranges_of(libsubid.get_uids, user_name);
    ids.gids = ranges_of(libsubid.get_gids, user_name);
    return ids;
}

}  // namespace hpc::sandbox
