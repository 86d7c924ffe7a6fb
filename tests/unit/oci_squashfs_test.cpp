// image/layers/oci_squashfs.hpp: an OCI layout made by the test, written as a squashfs straight
// from its layers, and read back with squashfs-tools' unsquashfs (a reader that is not hpc's):
// what the layers say, applied in order, owners, modes and times as written, errors naming the
// layer and the entry, nothing left of the output after a failure.
#include "image/layers/oci_squashfs.hpp"

#include "image_fixture.hpp"
#include "oci_fixture.hpp"
#include "squashfs_writer_support.hpp"
#include "thrown_error.hpp"

#include <catch2/catch.hpp>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>

using hpc::ExitCode;
using hpc::image::oci::ImageSource;
using hpc::image::oci::parse_source;
using hpc::test::Json;
using hpc::test::OciLayoutFiles;
using hpc::test::TarEntry;

namespace {

using Kind = TarEntry::Kind;

struct Written {
    hpc::test::TempDir root{"hpc-oci-squashfs"};
    OciLayoutFiles files;
    std::vector<Json> layers;
    std::vector<hpc::image::layers::HostTree> host_trees;

    void layer(const std::vector<TarEntry>& entries) {
        layers.push_back(files.add_blob(hpc::test::oci_gzip_layer_type,
                                        hpc::test::tar_bytes(entries, hpc::image::oci::Compression::gzip)));
    }
    std::string image() const { return root.path() + "/image.sqfs"; }

    void write() {
        std::vector<std::string> diff_ids(layers.size(), hpc::test::sha256_of(""));
        Json config = files.add_blob(hpc::test::oci_config_type, hpc::test::config_document("amd64").dump());
        files.set_index_json({files.add_manifest(config, layers)});
        files.write_directory(root.path() + "/layout");
        auto source = ImageSource::open(parse_source("oci:" + root.path() + "/layout"));
        hpc::image::oci::Image read = source->read_image("amd64");
        int fd = ::open(image().c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        REQUIRE(fd >= 0);
        try {
            hpc::image::layers::write_oci_squashfs({*source, read, host_trees, false, {}}, fd, 0, {});
        } catch (...) {
            ::close(fd);
            throw;
        }
        ::close(fd);
    }
    // unsquashfs's long listing with numeric owners: "MODE UID/GID SIZE DATE TIME PATH[ -> TARGET]".
    std::string listing() const {
        return hpc::test::shell_output("unsquashfs -lln " + hpc::test::quoted(image()) + " | awk '{ $4 = \"\"; $5 = \"\"; print }'");
    }
    std::string line(const std::string& path) const {
        std::string all = listing();
        std::string wanted = "squashfs-root/" + path;
        std::size_t start = 0;
        while (start < all.size()) {
            std::size_t end = all.find('\n', start);
            std::string one = all.substr(start, end == std::string::npos ? std::string::npos : end - start);
            std::size_t at = one.find(wanted);
            if (at != std::string::npos && (at + wanted.size() == one.size() || one.compare(at + wanted.size(), 4, " -> ") == 0))
                return one;
            if (end == std::string::npos) break;
            start = end + 1;
        }
        return "";
    }
    std::string content(const std::string& path) const {
        return hpc::test::shell_output("unsquashfs -cat " + hpc::test::quoted(image()) + " " + hpc::test::quoted(path));
    }
};

TarEntry file(const std::string& name, const std::string& content, unsigned mode = 0644, unsigned uid = 0,
              unsigned gid = 0) {
    TarEntry entry(name, content);
    entry.mode = mode;
    entry.uid = uid;
    entry.gid = gid;
    entry.mtime = 1700000000;
    return entry;
}
TarEntry directory(const std::string& name, unsigned mode = 0755) {
    TarEntry entry(name, "", Kind::directory);
    entry.mode = mode;
    entry.mtime = 1700000000;
    return entry;
}

}  // namespace

TEST_CASE("layers written as a squashfs: whiteouts, opaque directories, replacements, links", "[oci-squashfs]") {
    Written written;
    written.layer({directory("etc/"), file("etc/passwd", "root\n"), file("etc/gone", "x"), directory("opt/"),
                   file("opt/old", "old"), file("bin/tool", "v1", 04755, 0, 0),
                   TarEntry("bin/tool-link", "", Kind::hardlink, "bin/tool"), file("swap", "a file"),
                   TarEntry("lib", "", Kind::symlink, "usr/lib"), directory("usr/"), directory("usr/lib/")});
    written.layer({file("etc/.wh.gone", ""), file("opt/.wh..wh..opq", ""), file("opt/new", "new", 0600, 1234, 5678),
                   file("bin/tool", "v2"), TarEntry("bin/other-link", "", Kind::hardlink, "bin/tool-link"),
                   directory("swap/", 0700), file("swap/inside", "in"), file("lib/libx.so", "elf")});
    written.write();

    CHECK(written.line("etc/gone").empty());
    CHECK(written.line("opt/old").empty());
    CHECK(written.line("opt/new").starts_with("-rw------- 1234/5678 3"));
    CHECK(written.content("opt/new") == "new");
    // The link made in the first layer keeps v1 when the second replaces its target's name.
    CHECK(written.line("bin/tool").starts_with("-rw-r--r-- 0/0 2"));
    CHECK(written.content("bin/tool") == "v2");
    CHECK(written.line("bin/tool-link").starts_with("-rwsr-xr-x 0/0 2"));
    CHECK(written.content("bin/tool-link") == "v1");
    CHECK(written.content("bin/other-link") == "v1");
    CHECK(written.line("swap").starts_with("drwx------"));
    CHECK(written.content("swap/inside") == "in");
    CHECK(written.content("usr/lib/libx.so") == "elf");
    CHECK(written.line("lib").find("-> usr/lib") != std::string::npos);
    CHECK(written.content("etc/passwd") == "root\n");
    // Times as the layers say.
    CHECK(hpc::test::shell_output("unsquashfs -lln " + hpc::test::quoted(written.image()) +
                                  " etc/passwd | grep passwd | grep -c 2023-11-14") == "1\n");
}

TEST_CASE("host trees merge over the layers: added where missing, or replacing", "[oci-squashfs]") {
    Written written;
    written.layer({file("etc/hosts", "from the layer"), file("keep", "layer")});
    std::string keep = written.root.path() + "/keep", replace = written.root.path() + "/replace";
    hpc::test::make_directory(keep, 0755);
    hpc::test::make_directory(keep + "/etc", 0755);
    hpc::test::write_host_file(keep + "/etc/hosts", "from the host");
    hpc::test::write_host_file(keep + "/etc/resolv.conf", "added");
    hpc::test::make_directory(replace, 0755);
    hpc::test::write_host_file(replace + "/keep", "replaced");
    written.host_trees = {{keep, false}, {replace, true}};
    written.write();
    CHECK(written.content("etc/hosts") == "from the layer");
    CHECK(written.content("etc/resolv.conf") == "added");
    CHECK(written.content("keep") == "replaced");
}

TEST_CASE("an entry that escapes the root is refused naming the layer and entry, and nothing is left", "[oci-squashfs]") {
    Written written;
    written.layer({file("ok", "fine")});
    written.layer({file("../escape", "no")});
    std::string message = hpc::test::error_message([&] { written.write(); }, ExitCode::data);
    CHECK_THAT(message, Catch::StartsWith("layer 2 (sha256:"));
    CHECK_THAT(message, Catch::Contains("entry '../escape': a '..' component"));
    struct stat status {};
    REQUIRE(::stat(written.image().c_str(), &status) == 0);
    CHECK(status.st_size == 0);
}

TEST_CASE("a layer whose bytes are not what its digest says is refused naming the blob", "[oci-squashfs]") {
    Written written;
    written.layer({file("a", "a")});
    // The stored blob swapped for another tar under the same name.
    std::string name = hpc::test::blob_file(written.layers[0]);
    std::string other = hpc::test::tar_bytes({file("a", "b")}, hpc::image::oci::Compression::gzip);
    REQUIRE(other.size() == written.files.files[name].size());
    written.files.files[name] = other;
    std::string message = hpc::test::error_message([&] { written.write(); }, ExitCode::data);
    CHECK_THAT(message, Catch::Contains(hpc::image::oci::short_digest(written.layers[0]["digest"].get<std::string>())));
    CHECK_THAT(message, Catch::Contains("digest mismatch"));
}

TEST_CASE("a hard link to a file no layer has is refused", "[oci-squashfs]") {
    Written written;
    written.layer({TarEntry("link", "", Kind::hardlink, "missing")});
    CHECK_THAT(hpc::test::error_message([&] { written.write(); }, ExitCode::data),
               Catch::Contains("entry 'link': a hard link to a file that is not there"));
}
