// /etc/ld.so.cache, which ldconfig(8) writes and the dynamic loader reads to find a library by
// name in the system's directories (those of /etc/ld.so.conf included). Read for the host and
// for an image alike, so that "where would the loader find libmpi.so.40" has one answer.
// Only glibc's "glibc-ld.so.cache1.1" layout is read (written alone since glibc 2.32, and
// after the old "ld.so-1.7.0" table before that); its fields are glibc's dl-cache.h.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace hpc::mpi {

struct CacheEntry {
    std::string name;  // the SONAME the loader looks up: "libmpi.so.40"
    std::string path;  // the file: "/lib/x86_64-linux-gnu/libmpi.so.40"
    bool operator==(const CacheEntry&) const = default;
};

// The entries in file order (the loader's order of preference). Every architecture's entries
// are returned: callers check the file they find is for theirs. Throws hpc::Error(data)
// "<name>: <cause>" for a truncated or corrupt cache, or one in a layout it does not read.
std::vector<CacheEntry> parse_ld_so_cache(std::string_view bytes, const std::string& name);

}  // namespace hpc::mpi
