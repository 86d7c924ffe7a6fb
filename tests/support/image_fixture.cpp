#include "image_fixture.hpp"

#include <fcntl.h>
#include <ftw.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>

extern char** environ;

namespace hpc::test {
namespace {

int remove_entry(const char* path, const struct stat*, int, struct FTW*) { return ::remove(path); }

void check(bool ok, const std::string& what) {
    if (!ok) throw std::runtime_error(what + ": " + std::strerror(errno));
}

}  // namespace

TempDir::TempDir(const std::string& prefix) {
    const char* base = std::getenv("TMPDIR");
    std::string pattern = std::string(base && *base ? base : "/tmp") + "/" + prefix + "-XXXXXX";
    check(::mkdtemp(pattern.data()) != nullptr, "mkdtemp " + pattern);
    path_ = pattern;
}

TempDir::~TempDir() {
    // Directories made unreadable by a test would stop the walk; make them ours again first.
    ::nftw(path_.c_str(), [](const char* p, const struct stat* st, int type, struct FTW*) {
        if (type == FTW_D || type == FTW_DNR) ::chmod(p, (st->st_mode & 07777) | 0700);
        return 0;
    }, 16, FTW_PHYS);
    ::nftw(path_.c_str(), remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

std::string random_bytes(std::size_t size, uint32_t seed) {
    std::mt19937 generator(seed);
    std::string bytes(size, '\0');
    for (char& byte : bytes) byte = static_cast<char>(generator() & 0xff);
    return bytes;
}

std::string read_host_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::runtime_error("cannot read " + path);
    std::ostringstream content;
    content << in.rdbuf();
    return content.str();
}

void write_host_file(const std::string& path, const std::string& content, unsigned mode) {
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
    check(fd >= 0, "create " + path);
    std::size_t done = 0;
    while (done < content.size()) {
        ssize_t wrote = ::write(fd, content.data() + done, content.size() - done);
        check(wrote > 0, "write " + path);
        done += static_cast<std::size_t>(wrote);
    }
    ::fchmod(fd, mode);
    ::close(fd);
}

int run_command(const std::vector<std::string>& argv) {
    std::vector<char*> args;
    for (const std::string& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
    args.push_back(nullptr);
    pid_t pid = 0;
    if (::posix_spawnp(&pid, args[0], nullptr, nullptr, args.data(), environ) != 0) return -1;
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR) return -1;
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

uint32_t superblock_fragments(const std::string& image) {
    std::string head = read_host_file(image).substr(0, 96);
    uint32_t fragments = 0;
    std::memcpy(&fragments, head.data() + 16, sizeof fragments);
    return fragments;
}

const ImageFixture& ImageFixture::get() {
    static ImageFixture fixture;
    return fixture;
}

ImageFixture::ImageFixture() : root("hpc-image") {
    source = root.path() + "/source";
    image = root.path() + "/image.sqfs";
    const std::string& s = source;
    constexpr std::size_t block = fixture_block_size;
    for (const char* dir : {"", "/etc", "/dir", "/dir/nested", "/many", "/private", "/huge"})
        check(::mkdir((s + dir).c_str(), 0755) == 0, std::string("mkdir ") + dir);
    ::chmod((s + "/private").c_str(), 0700);

    write_host_file(s + "/etc/passwd", "root:x:0:0:root:/root:/bin/sh\nuser:x:1000:1000::/home/user:/bin/sh\n");
    write_host_file(s + "/small.txt", "hello\n");
    has_xattr = ::setxattr((s + "/small.txt").c_str(), "user.hpc-test", "value", 5, 0) == 0;
    write_host_file(s + "/empty", "");
    write_host_file(s + "/big.bin", random_bytes(9 * block + 120353, 1));  // 9 blocks and a tail block
    write_host_file(s + "/one-block.bin", random_bytes(block, 2));
    write_host_file(s + "/dir/nested/file2", random_bytes(200000, 3));  // a block and a tail block
    write_host_file(s + "/dir/mode750", "x", 0750);
    write_host_file(s + "/private/secret", "secret\n", 0600);
    {
        // Six blocks, only the fourth holding data: mksquashfs stores the others as holes.
        write_host_file(s + "/sparse.bin", "");
        int fd = ::open((s + "/sparse.bin").c_str(), O_WRONLY | O_CLOEXEC);
        std::string data = random_bytes(block, 4);
        check(::pwrite(fd, data.data(), data.size(), 3 * block) == static_cast<ssize_t>(block), "pwrite");
        check(::ftruncate(fd, 6 * block) == 0, "ftruncate");
        ::close(fd);
    }
    check(::link((s + "/big.bin").c_str(), (s + "/dir/big-link").c_str()) == 0, "link");
    for (auto [target, name] : std::initializer_list<std::pair<const char*, const char*>>{
             {"dir/nested/file2", "/rel-link"},
             {"/small.txt", "/abs-link"},
             {"../../../etc", "/escape"},
             {"../small.txt", "/dir/up"},
             {"../../rel-link", "/dir/nested/chain"},
             {"/no/such/file", "/dangling"},
             {"loop-b", "/loop-a"},
             {"loop-a", "/loop-b"},
         })
        check(::symlink(target, (s + name).c_str()) == 0, std::string("symlink ") + name);
    check(::mkfifo((s + "/pipe").c_str(), 0644) == 0, "mkfifo");
    for (int i = 0; i < 300; ++i) {
        char name[32];
        std::snprintf(name, sizeof name, "/many/f%03d", i);
        write_host_file(s + name, std::string("file ") + (name + 7) + "\n");
        regular_files.push_back(name);
    }

    // A listing long enough (about 100 KiB) for squashfs to index it: lookups and resumed
    // listings then start from the index instead of the first entry.
    for (int i = 0; i < huge_directory_entries; ++i) {
        char name[64];
        std::snprintf(name, sizeof name, "/huge/an-entry-with-a-rather-long-name-%04d", i);
        write_host_file(s + name, "");
    }

    for (const char* file : {"/etc/passwd", "/small.txt", "/empty", "/big.bin", "/one-block.bin",
                             "/dir/nested/file2", "/dir/mode750", "/private/secret", "/sparse.bin", "/dir/big-link"})
        regular_files.push_back(file);
    // big.bin (and its hard link, the same inode) 10, one-block.bin 1, file2 2, sparse.bin 1;
    // the small files and empty ones live in fragment blocks or nowhere.
    expected_data_blocks = 10 + 1 + 2 + 1;

    int status = run_command({"mksquashfs", source, image, "-noappend", "-quiet", "-no-progress", "-b",
                              std::to_string(block), "-no-tailends"});
    if (status != 0) throw std::runtime_error("mksquashfs failed with status " + std::to_string(status));

    std::string definition = root.path() + "/image.def";
    write_host_file(definition, "Bootstrap: scratch\n");
    std::string candidate = root.path() + "/image.sif";
    if (run_command({"siftool", "new", candidate}) == 0 &&
        run_command({"siftool", "add", candidate, definition, "--datatype", "1"}) == 0 &&
        run_command({"siftool", "add", candidate, image, "--datatype", "4", "--parttype", "2", "--partfs", "1",
                     "--partarch", "2"}) == 0)
        sif = candidate;
}

}  // namespace hpc::test
