#include "sandbox/run/read_subordinate_ids.hpp"

#include <dlfcn.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>

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

}  // namespace

SubordinateIds read_subordinate_ids(const std::string& user_name) {
    SubordinateIds ids;
    if (!id_mappers_installed()) {
        ids.unavailable = "newuidmap is not installed (Debian package uidmap)";
        return ids;
    }
    void* library = ::dlopen("libsubid.so.4", RTLD_NOW | RTLD_LOCAL);
    if (!library) {
        ids.unavailable = "libsubid is not installed (Debian package libsubid4)";
        return ids;
    }
    auto init = reinterpret_cast<subid_init_function>(::dlsym(library, "subid_init"));
    auto get_uids = reinterpret_cast<subid_get_ranges_function>(::dlsym(library, "subid_get_uid_ranges"));
    auto get_gids = reinterpret_cast<subid_get_ranges_function>(::dlsym(library, "subid_get_gid_ranges"));
    if (!init || !get_uids || !get_gids) {
        ids.unavailable = "libsubid.so.4 lacks subid_get_uid_ranges (an unexpected version)";
    } else {
        init("hpc", stderr);
        ids.uids = ranges_of(get_uids, user_name);
        ids.gids = ranges_of(get_gids, user_name);
    }
    ::dlclose(library);
    return ids;
}

}  // namespace hpc::sandbox
