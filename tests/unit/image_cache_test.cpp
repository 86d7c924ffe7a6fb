// The image cache (image/cache): where its root is, blobs fetched once and checked, nothing left
// by a failed fetch, folders that are not the user's refused, tag records, list and clean.
// Processes racing for one blob are tests/component/image_cache_concurrency_test.cpp's.
#include "image/cache/cache_location.hpp"
#include "image/cache/image_cache.hpp"
#include "image/oci/blob_digest.hpp"

#include "image_fixture.hpp"
#include "thrown_error.hpp"

#include <catch2/catch.hpp>

#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <ctime>
#include <stdexcept>

using hpc::ExitCode;
using hpc::UniqueFd;
using hpc::image::cache::BlobWriter;
using hpc::image::cache::cache_root;
using hpc::image::cache::Entry;
using hpc::image::cache::ImageCache;
using hpc::image::oci::Descriptor;
using hpc::image::oci::digest_of;
using hpc::test::error_message;
using hpc::test::read_host_file;
using hpc::test::TempDir;
using hpc::test::write_host_file;

namespace {

using Strings = std::vector<std::string>;

Descriptor descriptor_of(const std::string& bytes) {
    return {"application/vnd.oci.image.layer.v1.tar+gzip", digest_of(bytes), bytes.size()};
}

std::string hex_of(const std::string& digest) { return digest.substr(digest.find(':') + 1); }

// A fetch that writes `bytes` in pieces of `piece` and counts its runs.
auto writing(const std::string& bytes, int& runs, std::size_t piece = 7) {
    return [&bytes, &runs, piece](BlobWriter& writer) {
        ++runs;
        for (std::size_t offset = 0; offset < bytes.size(); offset += piece)
            writer.write(bytes.data() + offset, std::min(piece, bytes.size() - offset));
    };
}

std::string read_fd(const UniqueFd& fd) {
    std::string bytes;
    char buffer[4096];
    ssize_t got;
    while ((got = ::pread(fd.get(), buffer, sizeof buffer, static_cast<off_t>(bytes.size()))) > 0)
        bytes.append(buffer, static_cast<std::size_t>(got));
    return bytes;
}

Strings names_in(const std::string& folder) {
    Strings names;
    DIR* directory = ::opendir(folder.c_str());
    REQUIRE(directory != nullptr);
    while (const dirent* entry = ::readdir(directory))
        if (std::string(entry->d_name) != "." && std::string(entry->d_name) != "..") names.push_back(entry->d_name);
    ::closedir(directory);
    std::sort(names.begin(), names.end());
    return names;
}

bool exists(const std::string& path) {
    struct stat status {};
    return ::lstat(path.c_str(), &status) == 0;
}

void make_old(const std::string& path, int days) {
    struct timespec times[2];
    times[0].tv_sec = times[1].tv_sec = std::time(nullptr) - days * 24 * 60 * 60 - 60;
    times[0].tv_nsec = times[1].tv_nsec = 0;
    REQUIRE(::utimensat(AT_FDCWD, path.c_str(), times, AT_SYMLINK_NOFOLLOW) == 0);
}

Strings names_of(const std::vector<Entry>& entries) {
    Strings names;
    for (const Entry& entry : entries) names.push_back(entry.name);
    return names;
}

}  // namespace

TEST_CASE("cache root: HPC_CACHEDIR, Apptainer's names, the site's, XDG_CACHE_HOME, then the home's", "[image_cache]") {
    const std::string home = "/home/u";
    CHECK(cache_root({}, "", home) == "/home/u/.cache/hpc");
    CHECK(cache_root({"XDG_CACHE_HOME=/x"}, "", home) == "/x/hpc");
    CHECK(cache_root({"XDG_CACHE_HOME=relative"}, "", home) == "/home/u/.cache/hpc");  // the XDG spec: ignored
    CHECK(cache_root({"XDG_CACHE_HOME=/x"}, "/site/cache", home) == "/site/cache");
    CHECK(cache_root({"SINGULARITY_CACHEDIR=/s", "XDG_CACHE_HOME=/x"}, "/site", home) == "/s");
    CHECK(cache_root({"SINGULARITY_CACHEDIR=/s", "APPTAINER_CACHEDIR=/a"}, "/site", home) == "/a");
    CHECK(cache_root({"APPTAINER_CACHEDIR=/a", "HPC_CACHEDIR=/h"}, "/site", home) == "/h");
    // An empty value is no value.
    CHECK(cache_root({"HPC_CACHEDIR=", "APPTAINER_CACHEDIR=/a"}, "", home) == "/a");
    CHECK(cache_root({"HPC_CACHEDIR=", "XDG_CACHE_HOME="}, "", home) == "/home/u/.cache/hpc");
}

TEST_CASE("image cache: open makes the root 0700 with its parents, and the layout's folders", "[image_cache]") {
    TempDir dir;
    std::string root = dir.path() + "/a/b/cache";
    ImageCache cache = ImageCache::open(root + "/");
    CHECK(cache.root() == root);
    struct stat status {};
    REQUIRE(::stat(root.c_str(), &status) == 0);
    CHECK((status.st_mode & 07777) == 0700);
    CHECK(names_in(root) == Strings{"blobs", "locks", "sif", "tags"});
    CHECK(names_in(root + "/blobs") == Strings{"sha256", "sha512"});
    CHECK(names_in(root + "/sif") == Strings{"sha256", "sha512"});
    ImageCache::open(root);  // again: all there already
}

TEST_CASE("image cache: a blob is fetched once, then found, and its bytes are the blob's", "[image_cache]") {
    TempDir dir;
    ImageCache cache = ImageCache::open(dir.path() + "/cache");
    std::string bytes = hpc::test::random_bytes(100000, 7);
    Descriptor descriptor = descriptor_of(bytes);
    CHECK_FALSE(cache.open_blob(descriptor.digest));
    int runs = 0;
    bool fetched = false;
    UniqueFd first = cache.ensure_blob(descriptor, writing(bytes, runs, 4096), &fetched);
    CHECK(fetched);
    CHECK(read_fd(first) == bytes);
    UniqueFd second = cache.ensure_blob(descriptor, writing(bytes, runs), &fetched);
    CHECK_FALSE(fetched);
    CHECK(runs == 1);
    CHECK(read_fd(second) == bytes);
    std::string path = dir.path() + "/cache/blobs/sha256/" + hex_of(descriptor.digest);
    CHECK(read_host_file(path) == bytes);
    struct stat status {};
    REQUIRE(::stat(path.c_str(), &status) == 0);
    CHECK((status.st_mode & 07777) == 0600);
    std::optional<UniqueFd> opened = cache.open_blob(descriptor.digest);
    REQUIRE(opened);
    CHECK(read_fd(*opened) == bytes);
    // The lock's file stays until clean; no temporary is left.
    CHECK(names_in(dir.path() + "/cache/blobs/sha256") == Strings{hex_of(descriptor.digest)});
}

TEST_CASE("image cache: a sha512 blob goes to blobs/sha512", "[image_cache]") {
    TempDir dir;
    ImageCache cache = ImageCache::open(dir.path() + "/cache");
    std::string bytes = "a sha512 blob";
    Descriptor descriptor{"x", digest_of(bytes, "sha512"), bytes.size()};
    int runs = 0;
    cache.ensure_blob(descriptor, writing(bytes, runs));
    CHECK(read_host_file(dir.path() + "/cache/blobs/sha512/" + hex_of(descriptor.digest)) == bytes);
}

TEST_CASE("image cache: a fetch that is not the blob leaves nothing behind and says why", "[image_cache]") {
    TempDir dir;
    std::string blobs = dir.path() + "/cache/blobs/sha256";
    ImageCache cache = ImageCache::open(dir.path() + "/cache");
    std::string bytes = "the blob's own bytes";
    Descriptor descriptor = descriptor_of(bytes);
    std::string short_digest = descriptor.digest.substr(0, 7 + 12);
    int runs = 0;

    std::string other = "the blob's own bytez";
    CHECK(error_message([&] { cache.ensure_blob(descriptor, writing(other, runs)); }, ExitCode::data) ==
          "blob " + short_digest + ": digest mismatch (got " + digest_of(other) + ")");
    CHECK(names_in(blobs).empty());
    std::string shorter = "the blob";
    CHECK(error_message([&] { cache.ensure_blob(descriptor, writing(shorter, runs)); }, ExitCode::data) ==
          "blob " + short_digest + ": size 8 bytes, not 20");
    CHECK(names_in(blobs).empty());
    std::string longer = bytes + "and more";
    CHECK(error_message([&] { cache.ensure_blob(descriptor, writing(longer, runs)); }, ExitCode::data) ==
          "blob " + short_digest + ": larger than the 20 bytes its descriptor gives");
    CHECK(names_in(blobs).empty());
    // Whatever the fetch throws goes through, and the temporary goes.
    CHECK_THROWS_WITH(cache.ensure_blob(descriptor, [](BlobWriter& writer) {
        writer.write("the", 3);
        throw std::runtime_error("connection reset");
    }), "connection reset");
    CHECK(names_in(blobs).empty());
    CHECK_FALSE(cache.open_blob(descriptor.digest));
    // And then a right fetch works.
    bool fetched = false;
    UniqueFd fd = cache.ensure_blob(descriptor, writing(bytes, runs), &fetched);
    CHECK(fetched);
    CHECK(read_fd(fd) == bytes);
}

TEST_CASE("image cache: a digest that is not one is refused before it names a file", "[image_cache]") {
    TempDir dir;
    ImageCache cache = ImageCache::open(dir.path() + "/cache");
    int runs = 0;
    std::string bytes = "x";
    for (const std::string& digest : Strings{"sha256:../../etc/passwd", "md5:d41d8cd98f00b204e9800998ecf8427e",
                               "sha256:" + std::string(64, 'A')}) {
        Descriptor descriptor{"x", digest, 1};
        CHECK(error_message([&] { cache.ensure_blob(descriptor, writing(bytes, runs)); }, ExitCode::data) ==
              "blob '" + digest + "': not a valid digest");
        CHECK(error_message([&] { cache.open_blob(digest); }, ExitCode::data) == "blob '" + digest + "': not a valid digest");
        CHECK(error_message([&] { cache.find_sif(digest); }, ExitCode::data) == "image '" + digest + "': not a valid digest");
    }
    CHECK(runs == 0);
    CHECK_THROWS_AS(cache.record_tag("docker.io/library/alpine:latest", "amd64", "sha256:1234"), hpc::Error);
}

TEST_CASE("image cache: a stale temporary of the blob is removed before it is fetched, others' stay", "[image_cache]") {
    TempDir dir;
    std::string blobs = dir.path() + "/cache/blobs/sha256";
    ImageCache cache = ImageCache::open(dir.path() + "/cache");
    std::string bytes = "fetched again";
    Descriptor descriptor = descriptor_of(bytes);
    std::string hex = hex_of(descriptor.digest);
    std::string other_hex = hex_of(digest_of("another blob"));
    write_host_file(blobs + "/" + hex + ".tmp-0123456789abcdef", "half of it", 0600);
    write_host_file(blobs + "/" + other_hex + ".tmp-0123456789abcdef", "another's half", 0600);
    int runs = 0;
    cache.ensure_blob(descriptor, writing(bytes, runs));
    CHECK(names_in(blobs) == Strings{hex, other_hex + ".tmp-0123456789abcdef"});
}

TEST_CASE("image cache: a blob of another size than its descriptor's is fetched again", "[image_cache]") {
    TempDir dir;
    std::string blobs = dir.path() + "/cache/blobs/sha256";
    ImageCache cache = ImageCache::open(dir.path() + "/cache");
    std::string bytes = "the whole blob";
    Descriptor descriptor = descriptor_of(bytes);
    write_host_file(blobs + "/" + hex_of(descriptor.digest), "the who", 0600);  // cut short by hand
    int runs = 0;
    bool fetched = false;
    UniqueFd fd = cache.ensure_blob(descriptor, writing(bytes, runs), &fetched);
    CHECK(fetched);
    CHECK(read_fd(fd) == bytes);
}

TEST_CASE("image cache: a link or a file in place of a blob is no blob", "[image_cache]") {
    TempDir dir;
    std::string blobs = dir.path() + "/cache/blobs/sha256";
    ImageCache cache = ImageCache::open(dir.path() + "/cache");
    std::string bytes = "secret";
    write_host_file(dir.path() + "/target", bytes, 0600);
    Descriptor descriptor = descriptor_of(bytes);
    REQUIRE(::symlink((dir.path() + "/target").c_str(), (blobs + "/" + hex_of(descriptor.digest)).c_str()) == 0);
    CHECK_FALSE(cache.open_blob(descriptor.digest));
    Descriptor fifo = descriptor_of("fifo");
    REQUIRE(::mkfifo((blobs + "/" + hex_of(fifo.digest)).c_str(), 0600) == 0);
    CHECK_FALSE(cache.open_blob(fifo.digest));
    // The fetch's rename replaces the link itself: the target is untouched.
    int runs = 0;
    cache.ensure_blob(descriptor, writing(bytes, runs));
    CHECK(runs == 1);
    struct stat status {};
    REQUIRE(::lstat((blobs + "/" + hex_of(descriptor.digest)).c_str(), &status) == 0);
    CHECK(S_ISREG(status.st_mode));
}

TEST_CASE("image cache: a link in place of a folder, or a root writable by others, is refused", "[image_cache]") {
    TempDir dir;
    std::string root = dir.path() + "/cache";
    ImageCache::open(root);
    std::string elsewhere = dir.path() + "/elsewhere";
    REQUIRE(::mkdir(elsewhere.c_str(), 0700) == 0);

    REQUIRE(::rmdir((root + "/locks").c_str()) == 0);
    REQUIRE(::symlink(elsewhere.c_str(), (root + "/locks").c_str()) == 0);
    CHECK(error_message([&] { ImageCache::open(root); }, ExitCode::denied) ==
          "cache " + root + "/locks: a symbolic link, not a folder");
    REQUIRE(::unlink((root + "/locks").c_str()) == 0);

    REQUIRE(::rename((root + "/blobs/sha256").c_str(), (elsewhere + "/sha256").c_str()) == 0);
    REQUIRE(::symlink((elsewhere + "/sha256").c_str(), (root + "/blobs/sha256").c_str()) == 0);
    CHECK(error_message([&] { ImageCache::open(root); }, ExitCode::denied) ==
          "cache " + root + "/blobs/sha256: a symbolic link, not a folder");
    REQUIRE(::unlink((root + "/blobs/sha256").c_str()) == 0);

    REQUIRE(::rmdir((root + "/tags").c_str()) == 0);
    write_host_file(root + "/tags", "", 0600);
    CHECK(error_message([&] { ImageCache::open(root); }, ExitCode::denied) == "cache " + root + "/tags: not a folder");
    REQUIRE(::unlink((root + "/tags").c_str()) == 0);
    ImageCache::open(root);  // all made again

    REQUIRE(::chmod(root.c_str(), 0777) == 0);
    CHECK(error_message([&] { ImageCache::open(root); }, ExitCode::denied) ==
          "cache " + root + ": writable by group or others (mode 0777): chmod go-w it, or use another cache");
    REQUIRE(::chmod(root.c_str(), 0700) == 0);
    REQUIRE(::chmod((root + "/sif").c_str(), 0770) == 0);
    CHECK(error_message([&] { ImageCache::open(root); }, ExitCode::denied) ==
          "cache " + root + "/sif: writable by group or others (mode 0770): chmod go-w it, or use another cache");
}

TEST_CASE("image cache: a root another user owns is refused, and nothing is made in it", "[image_cache]") {
    TempDir dir;
    std::string root;
    uid_t owner = 0;
    if (::geteuid() == 0) {
        root = dir.path() + "/theirs";
        owner = 65534;
        REQUIRE(::mkdir(root.c_str(), 0700) == 0);
        REQUIRE(::chown(root.c_str(), owner, owner) == 0);
    } else {
        root = "/usr";  // root's, as on every system
    }
    Strings before = names_in(root);
    CHECK(error_message([&] { ImageCache::open(root); }, ExitCode::denied) ==
          "cache " + root + ": owned by uid " + std::to_string(owner) + ", not by you (uid " + std::to_string(::geteuid()) +
              "): a cache is one user's");
    CHECK(names_in(root) == before);
}

TEST_CASE("image cache: tag records round trip, per reference and architecture", "[image_cache]") {
    TempDir dir;
    ImageCache cache = ImageCache::open(dir.path() + "/cache");
    const std::string alpine = "docker.io/library/alpine:latest";
    std::string amd64 = digest_of("amd64 manifest"), arm64 = digest_of("arm64 manifest");
    CHECK_FALSE(cache.find_tag(alpine, "amd64"));
    cache.record_tag(alpine, "amd64", amd64);
    cache.record_tag(alpine, "arm64", arm64);
    std::optional<hpc::image::cache::TagRecord> found = cache.find_tag(alpine, "amd64");
    REQUIRE(found);
    CHECK(found->digest == amd64);
    CHECK(found->age_seconds >= 0);
    CHECK(found->age_seconds < 60);
    CHECK(cache.find_tag(alpine, "arm64")->digest == arm64);
    CHECK_FALSE(cache.find_tag("docker.io/library/alpine:3.20", "amd64"));
    // Recorded again: the newer digest.
    std::string newer = digest_of("newer amd64 manifest");
    cache.record_tag(alpine, "amd64", newer);
    CHECK(cache.find_tag(alpine, "amd64")->digest == newer);
    CHECK(names_in(dir.path() + "/cache/tags").size() == 2);

    // A record that is not one (cut short, too large, changed by hand) is none.
    std::string tags = dir.path() + "/cache/tags";
    for (const std::string& name : names_in(tags)) write_host_file(tags + "/" + name, "{\"reference\": \"docker.io", 0600);
    CHECK_FALSE(cache.find_tag(alpine, "amd64"));
    for (const std::string& name : names_in(tags))
        write_host_file(tags + "/" + name, "{\"digest\":\"" + newer + "\"}" + std::string(70000, ' '), 0600);
    CHECK_FALSE(cache.find_tag(alpine, "amd64"));
    // Records of another reference under this one's name.
    for (const std::string& name : names_in(tags))
        write_host_file(tags + "/" + name, R"({"reference":"x","architecture":"amd64","digest":")" + newer + "\"}", 0600);
    CHECK_FALSE(cache.find_tag(alpine, "amd64"));
}

TEST_CASE("image cache: SIFs by manifest digest, made once, nothing left by a failed make", "[image_cache]") {
    TempDir dir;
    ImageCache cache = ImageCache::open(dir.path() + "/cache");
    std::string manifest = digest_of("a manifest");
    CHECK_FALSE(cache.find_sif(manifest));
    std::string sifs = dir.path() + "/cache/sif/sha256";
    CHECK_THROWS_WITH(cache.ensure_sif(manifest, [](int fd) {
        REQUIRE(::write(fd, "half", 4) == 4);
        throw hpc::Error(ExitCode::data, "layer 3: damaged");
    }), "layer 3: damaged");
    CHECK(names_in(sifs).empty());
    int makes = 0;
    bool made = false;
    auto make = [&makes](int fd) {
        ++makes;
        REQUIRE(::pwrite(fd, "SIF!", 4, 4) == 4);  // the header last, as the SIF writer does
        REQUIRE(::pwrite(fd, "head", 4, 0) == 4);
    };
    std::string path = cache.ensure_sif(manifest, make, &made);
    CHECK(made);
    CHECK(path == sifs + "/" + hex_of(manifest) + ".sif");
    CHECK(read_host_file(path) == "headSIF!");
    CHECK(cache.ensure_sif(manifest, make, &made) == path);
    CHECK_FALSE(made);
    CHECK(makes == 1);
    CHECK(cache.find_sif(manifest) == path);
}

TEST_CASE("image cache: list, and clean by the days since last use", "[image_cache]") {
    TempDir dir;
    std::string root = dir.path() + "/cache";
    ImageCache cache = ImageCache::open(root);
    int runs = 0;
    std::string old_bytes = "an old blob", new_bytes = "a new blob, a bit larger";
    Descriptor old_blob = descriptor_of(old_bytes), new_blob = descriptor_of(new_bytes);
    cache.ensure_blob(old_blob, writing(old_bytes, runs));
    cache.ensure_blob(new_blob, writing(new_bytes, runs));
    std::string manifest = digest_of("a manifest");
    std::string sif = cache.ensure_sif(manifest, [](int fd) { REQUIRE(::write(fd, "sif", 3) == 3); });
    cache.record_tag("docker.io/library/alpine:latest", "amd64", manifest);
    std::string old_path = root + "/blobs/sha256/" + hex_of(old_blob.digest);
    make_old(old_path, 40);
    make_old(sif, 10);

    std::vector<Entry> entries = cache.list();
    REQUIRE(entries.size() == 4);
    std::sort(entries.begin(), entries.begin() + 2, [](const Entry& a, const Entry& b) { return a.size < b.size; });
    CHECK(entries[0].kind == Entry::Kind::blob);
    CHECK(entries[0].name == old_blob.digest);
    CHECK(entries[0].size == old_bytes.size());
    CHECK(entries[0].age_days == 40);
    CHECK(entries[0].path == old_path);
    CHECK(entries[1].name == new_blob.digest);
    CHECK(entries[1].age_days == 0);
    CHECK(entries[2].kind == Entry::Kind::sif);
    CHECK(entries[2].name == manifest);
    CHECK(entries[2].size == 3);
    CHECK(entries[2].age_days == 10);
    CHECK(entries[2].path == sif);
    CHECK(entries[3].kind == Entry::Kind::tag);
    CHECK(entries[3].name == "docker.io/library/alpine:latest");

    // A use marks it: the SIF is young again.
    cache.touch(sif);
    cache.touch(root + "/sif/sha256/gone.sif");  // cleaned meanwhile: no error
    CHECK(cache.list()[2].age_days == 0);
    make_old(sif, 10);

    CHECK(names_of(cache.clean(30)) == Strings{old_blob.digest});
    CHECK_FALSE(exists(old_path));
    CHECK(names_of(cache.clean(30)).empty());
    CHECK(names_of(cache.clean(10)) == Strings{manifest});
    CHECK(names_of(cache.clean(std::nullopt)) == Strings{new_blob.digest, "docker.io/library/alpine:latest"});
    CHECK(cache.list().empty());
    CHECK(names_in(root + "/locks").empty());
    CHECK(names_in(root + "/blobs/sha256").empty());
    CHECK(names_in(root + "/tags").empty());
}

TEST_CASE("image cache: clean leaves what another holds the lock of, and removes dead temporaries", "[image_cache]") {
    TempDir dir;
    std::string root = dir.path() + "/cache";
    ImageCache cache = ImageCache::open(root);
    int runs = 0;
    std::string bytes = "in use";
    Descriptor held = descriptor_of(bytes);
    cache.ensure_blob(held, writing(bytes, runs));
    std::string hex = hex_of(held.digest);
    std::string blobs = root + "/blobs/sha256";
    write_host_file(blobs + "/" + hex + ".tmp-00000000000000aa", "being written", 0600);
    std::string dead_hex = hex_of(digest_of("a fetch that died"));
    write_host_file(blobs + "/" + dead_hex + ".tmp-00000000000000bb", "left by the dead", 0600);
    write_host_file(root + "/locks/sha256-" + dead_hex, "", 0600);
    write_host_file(blobs + "/not-a-blob", "someone's", 0600);

    // Another open file description's flock: as another process's fetch would hold it.
    UniqueFd lock(::open((root + "/locks/sha256-" + hex).c_str(), O_RDWR | O_CLOEXEC));
    REQUIRE(lock);
    REQUIRE(::flock(lock.get(), LOCK_EX) == 0);
    std::vector<Entry> removed = cache.clean(std::nullopt);
    REQUIRE(removed.size() == 1);
    CHECK(removed[0].name == "sha256:" + dead_hex);
    CHECK(removed[0].path == blobs + "/" + dead_hex + ".tmp-00000000000000bb");
    CHECK(names_in(blobs) == Strings{hex, hex + ".tmp-00000000000000aa", "not-a-blob"});
    CHECK(names_in(root + "/locks") == Strings{"sha256-" + hex});

    ::flock(lock.get(), LOCK_UN);
    CHECK(cache.clean(std::nullopt).size() == 2);
    CHECK(names_in(blobs) == Strings{"not-a-blob"});
    CHECK(names_in(root + "/locks").empty());
}
