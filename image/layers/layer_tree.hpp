// The tree an OCI image's layers make, applied in order as the image spec's "Applying
// Changesets" says, without extracting anything: a whiteout (.wh.NAME) hides NAME of the
// layers below, an opaque marker (.wh..wh..opq) hides every lower entry of its directory, an
// entry replaces what was at its path (a file a directory or the reverse, the whole subtree
// going), a directory over a directory takes the new attributes and keeps the contents.
// Parent components that are symbolic links are followed inside the tree, never above its root
// (as extractors that resolve them in a chroot-like way do). A hard link names the inode its
// target names at that moment: a later layer that deletes or replaces the target leaves the
// link with the content it had. File data is not here: a regular file carries the index its
// data has in the squashfs stream.
#pragma once

#include "image/write/tree_scanner.hpp"

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace hpc::image::layers {

// What an entry is, as a tar header says it (device numbers in squashfs's encoding).
struct EntryAttributes {
    uint32_t mode = 0;  // type and permission bits, setuid, setgid and sticky included
    uint32_t uid = 0, gid = 0;
    int64_t mtime = 0;
    std::string link_target;  // symbolic links
    uint32_t device = 0;      // block and character devices
    uint64_t size = 0;        // regular files
    uint32_t file_index = 0;  // regular files: where their data went (SquashfsStream::begin_file)
    uint32_t xattrs = no_xattrs;
};

// The components of a tar entry's name, "./usr//bin/" as {"usr", "bin"}; {} is the root.
// Throws hpc::Error(data) for a name that escapes the root ("..", a leading "/") or is too long
// or deep (4096 bytes, a component of 255, 1024 components), the cause only: the caller names
// layer and entry.
std::vector<std::string> entry_path(std::string_view name);

class LayerTree {
public:
    // At most this many entries, all layers together (each costs ~350 bytes of memory, so a
    // hostile archive of tiny entries stays under 1 GiB; the largest images people run hold a
    // few hundred thousand), and directories at most this deep (the tree is walked recursively).
    static constexpr std::size_t max_entries = 2'000'000;
    static constexpr uint32_t max_depth = 2048;

    LayerTree();

    // Entries that follow belong to layer `layer` (0 is the base); whiteouts and opaque markers
    // hide only entries of earlier layers, as the spec says.
    void start_layer(uint32_t layer) { layer_ = layer; }

    // Each throws hpc::Error(data) with the cause ("parent usr/lib is a regular file"); the
    // caller adds the layer and the entry's name.
    // A file, directory, symbolic link, device, fifo or socket at `path`; missing parents are made
    // (0755, root's). A whiteout name is not an entry: use the two below.
    void add(const std::vector<std::string>& path, const EntryAttributes& attributes);
    // A hard link at `path` to what `target` names now (not a directory).
    void hard_link(const std::vector<std::string>& path, const std::vector<std::string>& target);
    // `.wh.NAME` in `directory`: NAME of earlier layers goes. Where there is nothing to hide (no
    // NAME, no such directory, or a file there: umoci writes whiteouts of a directory's old
    // entries under the file that replaced it), nothing happens.
    void whiteout(const std::vector<std::string>& directory, std::string_view name);
    // `.wh..wh..opq` in `directory`: every entry of earlier layers there goes; likewise.
    void opaque(const std::vector<std::string>& directory);
    // Whether `path` names an entry now (parents followed as add does).
    bool exists(const std::vector<std::string>& path) const;

    // The tree as the squashfs writer takes it: entries sorted bytewise in each directory, hard
    // links as one primary and its extra names, in the order scan_tree gives a directory.
    SourceTree source_tree() const;

private:
    struct Inode {
        EntryAttributes attributes;
    };
    struct Entry {
        std::string name;
        uint32_t parent = 0;
        uint32_t inode = 0;
        uint32_t layer = 0;
        uint32_t depth = 0;  // components below the root
        std::map<std::string, uint32_t, std::less<>> children;  // directories: by name
    };
    static constexpr uint32_t none = 0xFFFFFFFF;

    bool is_directory(uint32_t entry) const;
    bool is_symlink(uint32_t entry) const;
    // How a walk meets a missing component or one that is not a directory: `make` makes the
    // missing ones and throws for the others, `find` returns `none` for a missing one and throws
    // for the others, `probe` returns `none` for both.
    enum class Walk { make, find, probe };
    // The directory `components` name, symbolic links followed inside the tree.
    uint32_t directory(const std::vector<std::string>& components, Walk walk, int64_t mtime);
    uint32_t find_directory(const std::vector<std::string>& components, Walk walk = Walk::find) const;
    uint32_t walk(uint32_t from, const std::vector<std::string>& components, Walk mode, int64_t mtime,
                  unsigned& links_followed);
    uint32_t child(uint32_t directory, std::string_view name) const;
    uint32_t new_entry(uint32_t parent, const std::string& name, uint32_t inode);
    uint32_t new_inode(const EntryAttributes& attributes);
    void remove(uint32_t entry);
    void count_entry();

    std::vector<Entry> entries_;
    std::vector<Inode> inodes_;
    uint32_t layer_ = 0;
    std::size_t added_ = 0;
};

}  // namespace hpc::image::layers
