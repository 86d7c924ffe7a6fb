#include "fuse_test_support.hpp"

#include "common/error.hpp"
#include "image/tree/image_file.hpp"

#include <catch2/catch.hpp>

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <mutex>
#include <random>
#include <thread>

namespace hpc::test {

using image::ImageFile;
using image::ServeOptions;
using image::SquashfsServer;

std::optional<std::string> slurp(const std::string& path, std::size_t chunk) {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return std::nullopt;
    std::string content, buffer(chunk, '\0');
    for (;;) {
        ssize_t got = ::read(fd, buffer.data(), buffer.size());
        if (got < 0) {
            ::close(fd);
            return std::nullopt;
        }
        if (got == 0) break;
        content.append(buffer.data(), static_cast<std::size_t>(got));
    }
    ::close(fd);
    return content;
}

std::vector<std::string> names_in(const std::string& path) {
    std::vector<std::string> names;
    DIR* dir = ::opendir(path.c_str());
    if (!dir) return names;
    while (dirent* entry = ::readdir(dir)) names.emplace_back(entry->d_name);
    ::closedir(dir);
    std::sort(names.begin(), names.end());
    return names;
}

std::vector<std::string> without_dots(std::vector<std::string> names) {
    std::erase_if(names, [](const std::string& name) { return name == "." || name == ".."; });
    return names;
}

int error_of(int result) { return result < 0 ? errno : 0; }

std::string errno_text(int err) { return err ? std::strerror(err) : "success"; }

void with_server(ChildReport& report, const std::string& image, const std::string& mountpoint,
                 const std::function<void(SquashfsServer&)>& body, ServeOptions options) {
    try {
        ImageFile file = ImageFile::open(image);
        // The child maps its own ids only (namespace_child.hpp).
        if (options.mapped_uids.empty()) options.mapped_uids = {{::getuid(), 1}};
        if (options.mapped_gids.empty()) options.mapped_gids = {{::getgid(), 1}};
        SquashfsServer server(file, options);
        try {
            server.mount(mountpoint);
        } catch (const Error& error) {
            if (error.code() == hpc::ExitCode::unavailable || error.sys_errno() == EPERM) {
                report.skip(std::string("FUSE mounts are not possible here: ") + error.what());
                return;
            }
            throw;
        }
        body(server);
    } catch (const Error& error) {
        report.expect(false, std::string("hpc::Error: ") + error.what());
    }
}

void report(const ChildOutcome& outcome) {
    if (!outcome.skipped.empty()) {
        WARN("SKIPPED: " << outcome.skipped);
        return;
    }
    for (const std::string& failure : outcome.failures) FAIL_CHECK(failure);
    if (!outcome.abnormal.empty()) FAIL(outcome.abnormal);
    CHECK(outcome.failures.empty());
}

Mountpoint::Mountpoint() { ::mkdir(path.c_str(), 0755); }

uint64_t decodes_first_asked(const hpc::image::ServeStats& stats) {
    return stats.blocks_decoded - stats.blocks_decoded_again;
}

uint64_t expected_decodes() {
    const ImageFixture& fixture = ImageFixture::get();
    return fixture.expected_data_blocks + hpc::test::superblock_fragments(fixture.image);
}

void read_everything_in_parallel(ChildReport& report, const std::string& mnt) {
    const ImageFixture& fixture = ImageFixture::get();
    std::mutex lock;
    std::vector<std::thread> readers;
    for (unsigned t = 0; t < 4; ++t) {
        readers.emplace_back([&, t] {
            std::vector<std::string> order = fixture.regular_files;
            std::shuffle(order.begin(), order.end(), std::mt19937(t));
            std::size_t chunk = std::size_t(1) << (12 + 3 * t);  // 4 KiB .. 2 MiB
            for (const std::string& path : order) {
                std::optional<std::string> got = slurp(mnt + path, chunk);
                std::string expected = read_host_file(fixture.source + path);
                if (got != expected) {
                    std::lock_guard guard(lock);
                    report.expect(false, "content of " + path + " differs (reader " + std::to_string(t) + ")");
                }
            }
        });
    }
    for (auto& reader : readers) reader.join();
}

void drop_page_cache(const std::string& mnt) {
    for (const std::string& path : ImageFixture::get().regular_files) {
        int fd = ::open((mnt + path).c_str(), O_RDONLY | O_CLOEXEC);
        if (fd < 0) continue;
        ::posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
        ::close(fd);
    }
}

}  // namespace hpc::test
