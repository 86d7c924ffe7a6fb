// What the FUSE server tests share: mounting the server in a child's own user and mount
// namespace (namespace_child.hpp), reading through the mount, and turning the child's report
// into Catch2 results in the parent (a skip is a warning, never a silent pass).
#pragma once

#include "image/serve/squashfs_server.hpp"
#include "image_fixture.hpp"
#include "namespace_child.hpp"

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace hpc::test {

// A file's whole content read through read(2) in `chunk`-sized calls; nullopt if it failed
// (errno says why).
std::optional<std::string> slurp(const std::string& path, std::size_t chunk = 1 << 20);
std::vector<std::string> names_in(const std::string& path);  // sorted, "." and ".." included
std::vector<std::string> without_dots(std::vector<std::string> names);
int error_of(int result);  // errno of a call that returned -1, 0 for success
std::string errno_text(int err);

// Mounts `image` at `mountpoint` in the child and runs `body`; a host that cannot make the
// mount makes the check skip instead.
void with_server(ChildReport& report, const std::string& image, const std::string& mountpoint,
                 const std::function<void(image::SquashfsServer&)>& body, image::ServeOptions options = {});

// The child's outcome as Catch2 results.
void report(const ChildOutcome& outcome);

struct Mountpoint {
    Mountpoint();
    TempDir scratch{"hpc-fuse"};
    std::string path = scratch.path() + "/mnt";
};

// Blocks the fixture image holds: data blocks and fragment blocks.
uint64_t expected_decodes();

// Blocks the server decoded, less those it decoded again because the kernel asked once more for
// bytes it had been sent whole (its page cache let them go: Linux 6.18 does, now and then, under
// load): with each block decoded once per time the kernel asks for it, this is expected_decodes().
uint64_t decodes_first_asked(const hpc::image::ServeStats& stats);

// Every regular file of the fixture read completely by several threads at once, each in its
// own order and with its own read size, compared with the source.
void read_everything_in_parallel(ChildReport& report, const std::string& mnt);

// Drops the kernel's cached pages of every file, so that the next reads reach the server.
void drop_page_cache(const std::string& mnt);

}  // namespace hpc::test
