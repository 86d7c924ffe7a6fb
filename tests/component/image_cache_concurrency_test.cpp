// The image cache shared by processes (a component test: it forks them): several that want one
// blob at once fetch it once between them, and a fetch killed halfway leaves nothing that a later
// one trusts. Each process opens the cache itself, as separate jobs do.
#include "image/cache/image_cache.hpp"
#include "image/oci/blob_digest.hpp"

#include "image_fixture.hpp"

#include <catch2/catch.hpp>

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <functional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

using hpc::UniqueFd;
using hpc::image::cache::BlobWriter;
using hpc::image::cache::ImageCache;
using hpc::image::oci::Descriptor;
using hpc::image::oci::digest_of;
using hpc::test::read_host_file;
using hpc::test::TempDir;

namespace {

constexpr std::size_t blob_size = 1024 * 1024;
constexpr std::size_t chunk = 64 * 1024;

// Writes `bytes` a chunk at a time with a pause after each (about 100 ms in all), as a download
// does, after a line in `runs_file` that says it ran; `after_half` is called halfway.
void slow_fetch(BlobWriter& writer, const std::string& bytes, const std::string& runs_file,
                const std::function<void()>& after_half = {}) {
    int runs = ::open(runs_file.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
    if (runs < 0 || ::write(runs, "fetch\n", 6) != 6) throw std::runtime_error("cannot write " + runs_file);
    ::close(runs);
    for (std::size_t offset = 0; offset < bytes.size(); offset += chunk) {
        if (offset == bytes.size() / 2 && after_half) after_half();
        writer.write(bytes.data() + offset, std::min(chunk, bytes.size() - offset));
        std::this_thread::sleep_for(std::chrono::milliseconds(6));
    }
}

bool has_bytes(const UniqueFd& fd, const std::string& bytes) {
    std::string read(bytes.size() + 1, '\0');
    std::size_t got = 0;
    ssize_t count;
    while ((count = ::pread(fd.get(), read.data() + got, read.size() - got, static_cast<off_t>(got))) > 0)
        got += static_cast<std::size_t>(count);
    return got == bytes.size() && read.compare(0, got, bytes) == 0;
}

std::vector<std::string> names_in(const std::string& folder) {
    std::vector<std::string> names;
    if (DIR* directory = ::opendir(folder.c_str())) {
        while (const dirent* entry = ::readdir(directory))
            if (entry->d_name[0] != '.') names.push_back(entry->d_name);
        ::closedir(directory);
    }
    std::sort(names.begin(), names.end());
    return names;
}

int exit_status(pid_t pid) {
    int status = 0;
    if (::waitpid(pid, &status, 0) != pid) return -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

}  // namespace

TEST_CASE("image cache: 8 processes wanting one blob at once fetch it once and all get it", "[image_cache]") {
    TempDir dir;
    std::string root = dir.path() + "/cache", runs_file = dir.path() + "/runs";
    std::string bytes = hpc::test::random_bytes(blob_size, 11);
    Descriptor descriptor{"application/vnd.oci.image.layer.v1.tar", digest_of(bytes), bytes.size()};
    ImageCache::open(root);  // made once here, so that the children race for the blob, not the folders

    int start[2];
    REQUIRE(::pipe2(start, O_CLOEXEC) == 0);
    std::vector<pid_t> children;
    for (int child = 0; child < 8; ++child) {
        pid_t pid = ::fork();
        if (pid == 0) {
            ::close(start[1]);
            char byte;
            if (::read(start[0], &byte, 1) != 0) ::_exit(3);  // all start when the pipe closes
            try {
                ImageCache cache = ImageCache::open(root);
                UniqueFd fd = cache.ensure_blob(descriptor, [&](BlobWriter& w) { slow_fetch(w, bytes, runs_file); });
                ::_exit(has_bytes(fd, bytes) ? 0 : 1);
            } catch (...) {
                ::_exit(2);
            }
        }
        REQUIRE(pid > 0);
        children.push_back(pid);
    }
    ::close(start[0]);
    ::close(start[1]);
    for (pid_t pid : children) CHECK(exit_status(pid) == 0);
    CHECK(read_host_file(runs_file) == "fetch\n");
    std::string hex = descriptor.digest.substr(7);
    CHECK(names_in(root + "/blobs/sha256") == std::vector<std::string>{hex});
    CHECK(read_host_file(root + "/blobs/sha256/" + hex) == bytes);
}

TEST_CASE("image cache: 8 threads of one process wanting one blob fetch it once through one cache", "[image_cache]") {
    TempDir dir;
    std::string root = dir.path() + "/cache", runs_file = dir.path() + "/runs";
    std::string bytes = hpc::test::random_bytes(blob_size, 14);
    Descriptor descriptor{"application/vnd.oci.image.layer.v1.tar", digest_of(bytes), bytes.size()};
    ImageCache cache = ImageCache::open(root);
    std::atomic<int> good{0};
    std::vector<std::thread> threads;
    for (int thread = 0; thread < 8; ++thread)
        threads.emplace_back([&] {
            try {
                UniqueFd fd = cache.ensure_blob(descriptor, [&](BlobWriter& w) { slow_fetch(w, bytes, runs_file); });
                good += has_bytes(fd, bytes);
            } catch (...) {
            }
        });
    for (std::thread& thread : threads) thread.join();
    CHECK(good == 8);
    CHECK(read_host_file(runs_file) == "fetch\n");
}

// A child process fetching `descriptor` into the cache at `root` with `fetch`, which calls the
// `halfway` it is given once part of the blob is written: the child stops there, the blob's lock
// held, to be killed. Returns once it has stopped.
pid_t fetch_stopped_halfway(const std::string& root, const Descriptor& descriptor,
                            const std::function<void(BlobWriter&, const std::function<void()>&)>& fetch) {
    int halfway[2];
    REQUIRE(::pipe2(halfway, O_CLOEXEC) == 0);
    pid_t fetcher = ::fork();
    if (fetcher == 0) {
        ::close(halfway[0]);
        try {
            ImageCache::open(root).ensure_blob(descriptor, [&](BlobWriter& writer) {
                fetch(writer, [&] {
                    if (::write(halfway[1], "h", 1) != 1) ::_exit(4);
                    ::pause();  // killed here
                });
            });
        } catch (...) {
        }
        ::_exit(2);
    }
    REQUIRE(fetcher > 0);
    ::close(halfway[1]);
    char byte = 0;
    REQUIRE(::read(halfway[0], &byte, 1) == 1);
    ::close(halfway[0]);
    return fetcher;
}

TEST_CASE("image cache: a fetch killed halfway frees the blob's lock, and its temporary is not trusted", "[image_cache]") {
    TempDir dir;
    std::string root = dir.path() + "/cache", runs_file = dir.path() + "/runs";
    std::string bytes = hpc::test::random_bytes(blob_size, 12);
    Descriptor descriptor{"application/vnd.oci.image.layer.v1.tar", digest_of(bytes), bytes.size()};
    std::string hex = descriptor.digest.substr(7);
    std::string blobs = root + "/blobs/sha256";
    ImageCache::open(root);

    pid_t fetcher = fetch_stopped_halfway(root, descriptor, [&](BlobWriter& writer, const std::function<void()>& halfway) {
        slow_fetch(writer, bytes, runs_file, halfway);
    });

    // Meanwhile: the blob is not there, its half is a temporary, and clean leaves that alone.
    ImageCache cache = ImageCache::open(root);
    CHECK_FALSE(cache.open_blob(descriptor.digest));
    std::vector<std::string> during = names_in(blobs);
    REQUIRE(during.size() == 1);
    CHECK(during[0].starts_with(hex + ".tmp-"));
    CHECK(cache.clean(std::nullopt).empty());
    CHECK(names_in(blobs) == during);

    ::kill(fetcher, SIGKILL);
    CHECK(exit_status(fetcher) == 128 + SIGKILL);
    bool fetched = false;
    UniqueFd fd = cache.ensure_blob(descriptor, [&](BlobWriter& w) { slow_fetch(w, bytes, runs_file); }, &fetched);
    CHECK(fetched);
    CHECK(has_bytes(fd, bytes));
    CHECK(read_host_file(runs_file) == "fetch\nfetch\n");
    CHECK(names_in(blobs) == std::vector<std::string>{hex});
}

TEST_CASE("image cache: clean removes what a killed fetch left once its lock is free", "[image_cache]") {
    TempDir dir;
    std::string root = dir.path() + "/cache";
    std::string bytes = hpc::test::random_bytes(blob_size, 13);
    Descriptor descriptor{"application/vnd.oci.image.layer.v1.tar", digest_of(bytes), bytes.size()};
    ImageCache::open(root);
    pid_t fetcher = fetch_stopped_halfway(root, descriptor, [&](BlobWriter& writer, const std::function<void()>& halfway) {
        writer.write(bytes.data(), chunk);
        halfway();
    });
    ::kill(fetcher, SIGKILL);
    CHECK(exit_status(fetcher) == 128 + SIGKILL);

    ImageCache cache = ImageCache::open(root);
    std::vector<hpc::image::cache::Entry> removed = cache.clean(std::nullopt);
    REQUIRE(removed.size() == 1);
    CHECK(removed[0].name == descriptor.digest);
    CHECK(removed[0].size == chunk);
    CHECK(names_in(root + "/blobs/sha256").empty());
    CHECK(names_in(root + "/locks").empty());
}
