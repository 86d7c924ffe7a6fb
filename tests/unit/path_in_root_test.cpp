#include "common/error.hpp"
#include "common/path_in_root.hpp"

#include <catch2/catch.hpp>

#include <map>

namespace {

// A file system of symlinks only: every path not listed is a plain entry or missing.
hpc::ReadLinkInRoot links(std::map<std::string, std::string> table) {
    return [table = std::move(table)](const std::string& path) -> std::optional<std::string> {
        auto found = table.find(path);
        if (found == table.end()) return std::nullopt;
        return found->second;
    };
}

}  // namespace

TEST_CASE("normalize_absolute removes dots, doubled slashes and never climbs above the root") {
    CHECK(hpc::normalize_absolute("/a/./b//c/") == "/a/b/c");
    CHECK(hpc::normalize_absolute("/a/../../b") == "/b");
    CHECK(hpc::normalize_absolute("") == "/");
    CHECK(hpc::normalize_absolute("/..") == "/");
}

TEST_CASE("resolve_in_root follows absolute symlinks from the container root, not the host's") {
    auto read_link = links({{"/var/run", "/run"}});
    CHECK(hpc::resolve_in_root("/var/run/x", read_link) == "/run/x");
}

TEST_CASE("resolve_in_root follows relative symlinks from their directory") {
    auto read_link = links({{"/usr/lib64", "lib"}, {"/lib", "usr/lib"}});
    CHECK(hpc::resolve_in_root("/usr/lib64/a.so", read_link) == "/usr/lib/a.so");
    CHECK(hpc::resolve_in_root("/lib/x", read_link) == "/usr/lib/x");
}

TEST_CASE("resolve_in_root keeps a symlink's escape attempts inside the root") {
    auto read_link = links({{"/evil", "../../../../etc"}, {"/abs", "/../../host"}});
    CHECK(hpc::resolve_in_root("/evil/passwd", read_link) == "/etc/passwd");
    CHECK(hpc::resolve_in_root("/abs/x", read_link) == "/host/x");
}

TEST_CASE("resolve_in_root follows a final symlink and chains of links") {
    auto read_link = links({{"/a", "/b"}, {"/b", "/c/d"}, {"/c", "/e"}});
    CHECK(hpc::resolve_in_root("/a", read_link) == "/e/d");
}

TEST_CASE("resolve_in_root keeps missing components so mount points can be made") {
    CHECK(hpc::resolve_in_root("/home/alice/project", links({})) == "/home/alice/project");
}

TEST_CASE("resolve_in_root gives up on symlink loops with ELOOP") {
    auto read_link = links({{"/loop", "/loop"}});
    try {
        hpc::resolve_in_root("/loop/x", read_link);
        FAIL("no error");
    } catch (const hpc::Error& error) {
        CHECK(error.sys_errno() == ELOOP);
        CHECK(std::string(error.what()) == "/loop/x: too many levels of symbolic links");
    }
}
