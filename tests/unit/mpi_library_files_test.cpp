// Reading libraries and the loader's cache: built caches in memory, the host's own libc and
// cache, and hostile bytes, which must give hpc::Error(data) and never a crash.
#include "common/error.hpp"
#include "mpi/elf_object.hpp"
#include "mpi/host_mpi.hpp"
#include "mpi/image_libraries.hpp"
#include "mpi/ld_so_cache.hpp"
#include "mpi/library_search.hpp"
#include "mpi/system_libraries.hpp"

#include "ld_so_cache_bytes.hpp"
#include "thrown_error.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cstring>
#include <random>

using namespace hpc::mpi;

namespace {

using hpc::test::put_u32;

std::string cache_error(const std::string& bytes) {
    return hpc::test::error_message([&] { parse_ld_so_cache(bytes, "ld.so.cache"); }, hpc::ExitCode::data);
}

// The host's libc, found as the loader finds it.
FoundLibrary host_libc() {
    LibrarySearch search(host_file_view(), {}, {});
    std::optional<FoundLibrary> libc = search.find("libc.so.6");
    REQUIRE(libc);
    return *libc;
}

std::string file_bytes(const std::string& path) {
    std::optional<FileBytes> file = host_file_view().read(path);
    REQUIRE(file);
    return std::string(file->bytes);
}

}  // namespace

TEST_CASE("ld.so.cache: entries in order, after an old-format table too") {
    std::vector<CacheEntry> entries = {{"libmpi.so.40", "/lib/x86_64-linux-gnu/libmpi.so.40"},
                                       {"libc.so.6", "/lib/x86_64-linux-gnu/libc.so.6"}};
    std::string cache = hpc::test::ld_so_cache_bytes(entries);
    CHECK(parse_ld_so_cache(cache, "ld.so.cache") == entries);
    // glibc before 2.32: "ld.so-1.7.0", a count, 12-byte entries, then the new table at the
    // next multiple of 8, its string offsets counted from its own start.
    std::string old = "ld.so-1.7.0";
    old.resize(16 + 2 * 12, '\0');
    put_u32(old, 12, 2);
    CHECK(parse_ld_so_cache(old + cache, "ld.so.cache") == entries);
    CHECK(parse_ld_so_cache(hpc::test::ld_so_cache_bytes({}), "ld.so.cache").empty());
}

TEST_CASE("ld.so.cache: truncated, out-of-bounds and foreign caches are refused by name") {
    std::string cache = hpc::test::ld_so_cache_bytes({{"libz.so.1", "/lib/libz.so.1"}});
    CHECK(cache_error("") == "ld.so.cache: not a glibc ld.so.cache (no \"glibc-ld.so.cache1.1\" header)");
    CHECK(cache_error("ld.so-1.7.0") == "ld.so.cache: truncated header");
    CHECK(cache_error(cache.substr(0, 60)) == "ld.so.cache: 1 entries do not fit in 60 bytes");
    std::string huge = cache;
    put_u32(huge, 20, 0xffffffff);
    CHECK(cache_error(huge).ends_with("4294967295 entries do not fit in " + std::to_string(cache.size()) + " bytes"));
    std::string outside = cache;
    put_u32(outside, 48 + 8, 1u << 30);
    CHECK(cache_error(outside) == "ld.so.cache: entry 0 names a string at 1073741824, outside the file or unterminated");
    std::string unterminated = cache;
    unterminated.pop_back();
    CHECK(cache_error(unterminated).ends_with("outside the file or unterminated"));
}

TEST_CASE("ld.so.cache: the host's own parses and names libc") {
    std::optional<FileBytes> file = host_file_view().read("/etc/ld.so.cache");
    if (!file) {
        WARN("SKIPPED: this host has no /etc/ld.so.cache");  // Catch2 2 has no SKIP
        return;
    }
    std::vector<CacheEntry> entries = parse_ld_so_cache(file->bytes, "/etc/ld.so.cache");
    CHECK(std::any_of(entries.begin(), entries.end(), [](const CacheEntry& entry) { return entry.name == "libc.so.6"; }));
}

TEST_CASE("elf: the host's libc: its SONAME and the versions it defines, a program's needs") {
    FoundLibrary libc = host_libc();
    CHECK(libc.object.soname == "libc.so.6");
    CHECK(libc.object.is_64_bit);
    const std::vector<std::string>& defined = libc.object.version_definitions;
    CHECK(std::find(defined.begin(), defined.end(), "GLIBC_2.17") != defined.end());
    CHECK(std::find(defined.begin(), defined.end(), "libc.so.6") == defined.end());  // its own name is no version
    CHECK_FALSE(newest_version(defined).empty());
    CHECK_FALSE(libc.user_chosen);

    // This test program needs libc, and some GLIBC_ versions of it.
    ElfObject program = read_elf_object(file_bytes("/proc/self/exe"), "hpc_unit_tests");
    CHECK(program.soname.empty());
    CHECK(std::find(program.needed.begin(), program.needed.end(), "libc.so.6") != program.needed.end());
    CHECK(std::any_of(program.version_needs.begin(), program.version_needs.end(), [](const VersionNeed& need) {
        return need.file == "libc.so.6" && need.version.starts_with("GLIBC_2.");
    }));
    ElfReadOptions options;
    options.wanted_symbols = {"printf", "no_such_symbol_here"};
    CHECK(read_elf_object(file_bytes(libc.path), libc.path, options).defined_symbols ==
          std::vector<std::string>{"printf"});
}

TEST_CASE("elf: what is not an ELF object is refused, damaged ones give errors, not crashes") {
    auto refusal = [](const std::string& bytes) {
        return hpc::test::error_message([&] { read_elf_object(bytes, "lib.so"); }, hpc::ExitCode::data);
    };
    CHECK(refusal("/* GNU ld script */ GROUP ( libc.so.6 )") == "lib.so: not an ELF file");
    CHECK_FALSE(looks_like_elf("\x7f" "EL"));
    std::string libc = file_bytes(host_libc().path);
    CHECK(refusal(libc.substr(0, 40)).starts_with("lib.so: "));

    std::mt19937 random(8);
    for (int round = 0; round < 200; ++round) {
        std::string damaged = round % 2 ? libc.substr(0, random() % libc.size()) : libc;
        for (int flip = 0; flip < 16; ++flip) {
            // The file header, and the section headers at its end, where the sizes live.
            size_t at = flip % 2 ? random() % 64 : damaged.size() - 1 - random() % std::min<size_t>(4096, damaged.size());
            if (at < damaged.size()) damaged[at] = static_cast<char>(random());
        }
        try {
            ElfReadOptions everything;
            everything.named_paths = true;
            everything.wanted_symbols = {"malloc"};
            read_elf_object(damaged, "lib.so", everything);
        } catch (const hpc::Error& error) {
            CHECK(error.code() == hpc::ExitCode::data);
        }
    }
}

TEST_CASE("library search: RPATH and RUNPATH with $ORIGIN, and the default directories") {
    FoundLibrary library;
    library.path = "/opt/ompi/lib/libmpi.so.40";
    library.object.rpath = {"$ORIGIN/../lib64", "/opt/hwloc/lib"};
    library.object.runpath = {"${ORIGIN}", "$LIB/x", "relative"};
    CHECK(own_search_directories(library) ==
          std::vector<std::string>{"/opt/ompi/lib64", "/opt/hwloc/lib", "/opt/ompi/lib"});
    CHECK(is_default_library_directory("/usr/lib64/"));
    CHECK_FALSE(is_default_library_directory("/usr/lib64/openmpi/lib"));
    CHECK(default_library_directories().size() == 6);
}

TEST_CASE("image libraries: asked of a tree (here the host's own): libc's versions, a missing library") {
    ImageLibraries libraries = image_libraries(host_file_view());
    std::optional<std::vector<std::string>> versions = libraries.version_definitions("libc.so.6");
    REQUIRE(versions);
    CHECK(std::find(versions->begin(), versions->end(), "GLIBC_2.2.5") != versions->end());
    CHECK_FALSE(libraries.version_definitions("libno-such-library.so.7"));
    CHECK(image_library_locations().starts_with("its /etc/ld.so.cache, /lib/"));
}

TEST_CASE("host MPI: found as the loader finds it, with its libraries and plugin directories") {
    if (!LibrarySearch(host_file_view(), {}, {}).find("libmpi.so.40")) {
        WARN("SKIPPED: no Open MPI (libmpi.so.40) on this host");
        return;
    }
    HostMpi host = find_host_mpi(host_file_view(), {"", "libmpi.so.40", {}});
    CHECK(host.libmpi.family == MpiFamily::open_mpi);
    CHECK(host.libmpi.soname == "libmpi.so.40");
    REQUIRE_FALSE(host.libraries.empty());
    CHECK(host.libraries.front().name == "libmpi.so.40");
    CHECK(host.libraries.front().path == host.libmpi.path);
    auto has_library = [&](std::string_view name) {
        return std::any_of(host.libraries.begin(), host.libraries.end(),
                           [&](const HostLibrary& library) { return library.name == name; });
    };
    CHECK(has_library("libopen-pal.so.40"));
    CHECK_FALSE(has_library("libc.so.6"));  // the image's own stays
    for (const HostLibrary& library : host.libraries) CHECK(host_file_view().canonical(library.path) == library.path);
    // Its plugins (mca_*.so) are in a directory bound whole, and read for what they need.
    CHECK_FALSE(host.directories.empty());
    CHECK(std::any_of(host.plugins.begin(), host.plugins.end(),
                      [](const HostPlugin& plugin) { return plugin.path.find("/mca_") != std::string::npos; }));

    // The site's library is taken as it is; one that is not a library is the site's mistake.
    CHECK(find_host_mpi(host_file_view(), {host.libmpi.path, "", {}}).libmpi == host.libmpi);
    CHECK(hpc::test::error_message([] { find_host_mpi(host_file_view(), {"/etc/passwd", "", {}}); },
                                   hpc::ExitCode::config) ==
          "mpi.library /etc/passwd: not a shared library of this machine");
}
