// image/layers/layer_tree.hpp: the OCI image spec's changeset rules on an in-memory tree, each
// checked on the tree the squashfs writer receives.
#include "image/layers/layer_tree.hpp"
#include "thrown_error.hpp"

#include <catch2/catch.hpp>

#include <sys/stat.h>

#include <map>
#include <string>

namespace {

using hpc::ExitCode;
using hpc::image::SourceNode;
using hpc::image::SourceTree;
using hpc::image::layers::entry_path;
using hpc::image::layers::EntryAttributes;
using hpc::image::layers::LayerTree;

EntryAttributes file(uint32_t index, uint32_t mode = 0644) {
    EntryAttributes attributes;
    attributes.mode = S_IFREG | mode;
    attributes.file_index = index;
    attributes.size = 10;
    return attributes;
}
EntryAttributes directory(uint32_t mode = 0755) {
    EntryAttributes attributes;
    attributes.mode = S_IFDIR | mode;
    return attributes;
}
EntryAttributes symlink(const std::string& target) {
    EntryAttributes attributes;
    attributes.mode = S_IFLNK | 0777;
    attributes.link_target = target;
    return attributes;
}

// "path" -> "type mode [file index|target] links", for every node of the written tree.
std::map<std::string, std::string> listing(const LayerTree& tree) {
    SourceTree written = tree.source_tree();
    std::map<std::string, std::string> result;
    for (uint32_t index = 1; index < written.nodes.size(); ++index) {
        std::string path = written.path(index);
        const SourceNode& node = written.nodes[index];
        const SourceNode& primary = written.nodes[node.primary];
        char mode[16];
        std::snprintf(mode, sizeof mode, "%o", primary.mode & 07777);
        std::string line = S_ISDIR(primary.mode) ? "dir" : S_ISLNK(primary.mode) ? "link" : "file";
        line += std::string(" ") + mode;
        if (S_ISREG(primary.mode)) line += " #" + std::to_string(primary.file_index);
        if (S_ISLNK(primary.mode)) line += " -> " + std::string(written.link_target(primary));
        if (primary.links > 1) line += " x" + std::to_string(primary.links);
        result[path] = line;
    }
    return result;
}

std::vector<std::string> path(const char* name) { return entry_path(name); }

}  // namespace

TEST_CASE("entry names are normalized and names that escape the root are refused", "[layers]") {
    CHECK(entry_path("./usr//bin/") == std::vector<std::string>{"usr", "bin"});
    CHECK(entry_path("./").empty());
    CHECK(entry_path("a/./b") == std::vector<std::string>{"a", "b"});
    CHECK_THAT(hpc::test::error_message([] { entry_path("../etc/passwd"); }, ExitCode::data),
               Catch::Contains("'..'"));
    CHECK_THAT(hpc::test::error_message([] { entry_path("a/../../b"); }, ExitCode::data), Catch::Contains("'..'"));
    CHECK_THAT(hpc::test::error_message([] { entry_path("/etc/passwd"); }, ExitCode::data),
               Catch::Contains("absolute"));
    CHECK_THAT(hpc::test::error_message([] { entry_path(std::string(5000, 'a')); }, ExitCode::data),
               Catch::Contains("longer than"));
    CHECK(entry_path("d/" + std::string(255, 'n')).size() == 2);
    CHECK_THAT(hpc::test::error_message([] { entry_path("d/" + std::string(256, 'n')); }, ExitCode::data),
               Catch::Contains("a component longer than 255 bytes"));
}

TEST_CASE("whiteouts hide lower entries, opaque markers a lower directory's contents", "[layers]") {
    LayerTree tree;
    tree.start_layer(0);
    tree.add(path("etc"), directory());
    tree.add(path("etc/a"), file(0));
    tree.add(path("etc/b"), file(1));
    tree.add(path("opt"), directory());
    tree.add(path("opt/x"), file(2));
    tree.add(path("opt/sub"), directory());
    tree.add(path("opt/sub/y"), file(3));
    tree.start_layer(1);
    tree.whiteout(path("etc"), "a");
    tree.whiteout(path("etc"), "missing");
    tree.add(path("opt/new"), file(4));  // this layer's: the marker after it keeps it
    tree.opaque(path("opt"));
    tree.add(path("opt/later"), file(5));
    auto listed = listing(tree);
    CHECK(listed.count("/etc/a") == 0);
    CHECK(listed["/etc/b"] == "file 644 #1");
    CHECK(listed.count("/opt/x") == 0);
    CHECK(listed.count("/opt/sub") == 0);
    CHECK(listed.count("/opt/sub/y") == 0);
    CHECK(listed["/opt/new"] == "file 644 #4");
    CHECK(listed["/opt/later"] == "file 644 #5");
}

TEST_CASE("whiteouts under a file that replaced a directory hide nothing (umoci writes them)", "[layers]") {
    LayerTree tree;
    tree.start_layer(0);
    tree.add(path("d/sub/x"), file(0));
    tree.start_layer(1);
    tree.add(path("d"), file(1));
    tree.whiteout(path("d"), "sub");
    tree.whiteout(path("d/sub"), "x");
    tree.opaque(path("d"));
    auto listed = listing(tree);
    CHECK(listed["/d"] == "file 644 #1");
    CHECK(listed.size() == 1);
}

TEST_CASE("a whiteout does not hide what its own layer added", "[layers]") {
    LayerTree tree;
    tree.start_layer(2);
    tree.add(path("f"), file(0));
    tree.whiteout({}, "f");
    CHECK(listing(tree)["/f"] == "file 644 #0");
}

TEST_CASE("a file replaced by a directory and a directory by a file", "[layers]") {
    LayerTree tree;
    tree.start_layer(0);
    tree.add(path("x"), file(0));
    tree.add(path("d"), directory());
    tree.add(path("d/inside"), file(1));
    tree.start_layer(1);
    tree.add(path("x"), directory(0700));
    tree.add(path("x/y"), file(2));
    tree.add(path("d"), file(3, 0600));
    auto listed = listing(tree);
    CHECK(listed["/x"] == "dir 700");
    CHECK(listed["/x/y"] == "file 644 #2");
    CHECK(listed["/d"] == "file 600 #3");
    CHECK(listed.count("/d/inside") == 0);
}

TEST_CASE("a directory over a directory takes the new attributes and keeps what it holds", "[layers]") {
    LayerTree tree;
    tree.start_layer(0);
    tree.add(path("d"), directory(0755));
    tree.add(path("d/f"), file(0));
    tree.start_layer(1);
    tree.add(path("d"), directory(01777));
    auto listed = listing(tree);
    CHECK(listed["/d"] == "dir 1777");
    CHECK(listed["/d/f"] == "file 644 #0");
}

TEST_CASE("a hard link keeps the content its target had when a later layer replaces or deletes it", "[layers]") {
    LayerTree tree;
    tree.start_layer(0);
    tree.add(path("bin"), directory());
    tree.add(path("bin/a"), file(0, 04755));
    tree.hard_link(path("bin/b"), path("bin/a"));
    tree.start_layer(1);
    tree.hard_link(path("bin/c"), path("bin/a"));  // across layers
    tree.add(path("bin/a"), file(1));              // replaced
    tree.start_layer(2);
    tree.whiteout(path("bin"), "b");
    auto listed = listing(tree);
    CHECK(listed["/bin/a"] == "file 644 #1");
    CHECK(listed.count("/bin/b") == 0);
    CHECK(listed["/bin/c"] == "file 4755 #0");
    SourceTree written = tree.source_tree();
    CHECK(written.regular_files == 2);
}

TEST_CASE("hard-linked names share one inode counted once per name", "[layers]") {
    LayerTree tree;
    tree.add(path("a"), file(0));
    tree.hard_link(path("b"), path("a"));
    tree.hard_link(path("c"), path("b"));
    auto listed = listing(tree);
    CHECK(listed["/a"] == "file 644 #0 x3");
    SourceTree written = tree.source_tree();
    CHECK(written.nodes[2].primary == 1);
    CHECK(written.nodes[3].primary == 1);
}

TEST_CASE("a hard link to nothing or to a directory is refused", "[layers]") {
    LayerTree tree;
    tree.add(path("d"), directory());
    CHECK_THAT(hpc::test::error_message([&] { tree.hard_link(path("x"), path("missing")); }, ExitCode::data),
               Catch::Contains("not there"));
    CHECK_THAT(hpc::test::error_message([&] { tree.hard_link(path("x"), path("d")); }, ExitCode::data),
               Catch::Contains("directory"));
}

TEST_CASE("parents that are symbolic links are followed inside the tree, never above it", "[layers]") {
    LayerTree tree;
    tree.add(path("usr"), directory());
    tree.add(path("usr/lib"), directory());
    tree.add(path("lib"), symlink("usr/lib"));
    tree.add(path("escape"), symlink("../../../usr"));
    tree.add(path("abs"), symlink("/usr/lib"));
    tree.add(path("lib/a.so"), file(0));
    tree.add(path("escape/b"), file(1));
    tree.add(path("abs/c.so"), file(2));
    auto listed = listing(tree);
    CHECK(listed["/usr/lib/a.so"] == "file 644 #0");
    CHECK(listed["/usr/b"] == "file 644 #1");
    CHECK(listed["/usr/lib/c.so"] == "file 644 #2");
    CHECK(listed["/lib"] == "link 777 -> usr/lib");
}

TEST_CASE("a file on the way, a link loop and the root replaced are refused", "[layers]") {
    LayerTree tree;
    tree.add(path("f"), file(0));
    tree.add(path("loop"), symlink("loop"));
    CHECK_THAT(hpc::test::error_message([&] { tree.add(path("f/x"), file(1)); }, ExitCode::data),
               Catch::Contains("not a directory"));
    CHECK_THAT(hpc::test::error_message([&] { tree.add(path("loop/x"), file(1)); }, ExitCode::data),
               Catch::Contains("symbolic links"));
    CHECK_THAT(hpc::test::error_message([&] { tree.add({}, file(1)); }, ExitCode::data), Catch::Contains("root"));
}

TEST_CASE("missing parents are made and entries come out sorted bytewise", "[layers]") {
    LayerTree tree;
    tree.add(path("z/y/x"), file(0));
    tree.add(path("B"), file(1));
    tree.add(path("a"), file(2));
    tree.add(path("\xc3\xa9"), file(3));
    SourceTree written = tree.source_tree();
    REQUIRE(written.nodes[0].child_count == 4);
    CHECK(written.name(written.nodes[1]) == "B");
    CHECK(written.name(written.nodes[2]) == "a");
    CHECK(written.name(written.nodes[3]) == "z");
    CHECK(written.name(written.nodes[4]) == "\xc3\xa9");
    CHECK(listing(tree)["/z/y"] == "dir 755");
    CHECK(written.nodes[0].subdirectories == 1);
}
