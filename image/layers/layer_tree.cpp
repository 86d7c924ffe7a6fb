#include "image/layers/layer_tree.hpp"

#include "common/error.hpp"
#include "common/printable.hpp"

#include <sys/stat.h>

#include <unordered_map>

namespace hpc::image::layers {
namespace {

constexpr std::size_t max_name_bytes = 4096;          // PATH_MAX
constexpr std::size_t max_component_bytes = 255;      // NAME_MAX: what a squashfs directory entry holds
constexpr std::size_t max_name_components = 1024;
constexpr unsigned max_links_followed = 40;           // the kernel's MAXSYMLINKS

[[noreturn]] void refuse(const std::string& cause) { throw Error(ExitCode::data, cause); }

std::vector<std::string> split(std::string_view text) {
    std::vector<std::string> parts;
    std::size_t at = 0;
    while (at <= text.size()) {
        std::size_t slash = text.find('/', at);
        if (slash == std::string_view::npos) slash = text.size();
        if (slash > at) parts.emplace_back(text.substr(at, slash - at));
        at = slash + 1;
    }
    return parts;
}

}  // namespace

std::vector<std::string> entry_path(std::string_view name) {
    if (name.size() > max_name_bytes) refuse("a name longer than " + std::to_string(max_name_bytes) + " bytes");
    if (name.starts_with('/')) refuse("an absolute name, which would escape the image's root");
    std::vector<std::string> path;
    for (std::string& part : split(name)) {
        if (part == ".") continue;
        if (part == "..") refuse("a '..' component, which would escape the image's root");
        if (part.size() > max_component_bytes)
            refuse("a component longer than " + std::to_string(max_component_bytes) + " bytes");
        path.push_back(std::move(part));
    }
    if (path.size() > max_name_components)
        refuse("more than " + std::to_string(max_name_components) + " components");
    return path;
}

LayerTree::LayerTree() {
    EntryAttributes root;
    root.mode = S_IFDIR | 0755;
    entries_.push_back(Entry{.name = {}, .parent = 0, .inode = new_inode(root), .layer = 0, .depth = 0, .children = {}});
}

bool LayerTree::is_directory(uint32_t entry) const {
    return S_ISDIR(inodes_[entries_[entry].inode].attributes.mode);
}

bool LayerTree::is_symlink(uint32_t entry) const {
    return S_ISLNK(inodes_[entries_[entry].inode].attributes.mode);
}

uint32_t LayerTree::child(uint32_t directory, std::string_view name) const {
    const auto& children = entries_[directory].children;
    auto found = children.find(name);
    return found == children.end() ? none : found->second;
}

void LayerTree::count_entry() {
    if (++added_ > max_entries) refuse("more than " + std::to_string(max_entries) + " entries in the image's layers");
}

uint32_t LayerTree::new_inode(const EntryAttributes& attributes) {
    inodes_.push_back(Inode{attributes});
    return static_cast<uint32_t>(inodes_.size() - 1);
}

uint32_t LayerTree::new_entry(uint32_t parent, const std::string& name, uint32_t inode) {
    count_entry();
    uint32_t depth = entries_[parent].depth + 1;
    if (depth > max_depth) refuse("directories deeper than " + std::to_string(max_depth) + " levels");
    auto index = static_cast<uint32_t>(entries_.size());
    entries_.push_back(Entry{.name = name, .parent = parent, .inode = inode, .layer = layer_, .depth = depth, .children = {}});
    entries_[parent].children.emplace(name, index);
    return index;
}

// The entry leaves its directory; what was below it is no longer reachable from the root, and
// an inode no name reaches is left out of the squashfs.
void LayerTree::remove(uint32_t entry) {
    entries_[entries_[entry].parent].children.erase(entries_[entry].name);
}

uint32_t LayerTree::walk(uint32_t from, const std::vector<std::string>& components, Walk mode, int64_t mtime,
                         unsigned& links_followed) {
    uint32_t at = from;
    for (const std::string& component : components) {
        if (component.empty() || component == ".") continue;
        if (component == "..") {  // only from a link's target; above the root is the root
            at = entries_[at].parent;
            continue;
        }
        uint32_t next = child(at, component);
        if (next == none) {
            if (mode != Walk::make) return none;
            EntryAttributes made;
            made.mode = S_IFDIR | 0755;
            made.mtime = mtime;
            at = new_entry(at, component, new_inode(made));
            continue;
        }
        if (is_symlink(next)) {
            if (++links_followed > max_links_followed) {
                if (mode == Walk::probe) return none;
                refuse("more than " + std::to_string(max_links_followed) + " symbolic links on the way to '" +
                       printable(component) + "'");
            }
            const std::string& target = inodes_[entries_[next].inode].attributes.link_target;
            at = walk(target.starts_with('/') ? 0 : at, split(target), mode, mtime, links_followed);
            if (at == none) return none;
            if (!is_directory(at)) {
                if (mode == Walk::probe) return none;
                refuse("'" + printable(component) + "' leads to something that is not a directory");
            }
            continue;
        }
        if (!is_directory(next)) {
            if (mode == Walk::probe) return none;
            refuse("'" + printable(component) + "' on the way is not a directory");
        }
        at = next;
    }
    return at;
}

uint32_t LayerTree::directory(const std::vector<std::string>& components, Walk mode, int64_t mtime) {
    unsigned links_followed = 0;
    return walk(0, components, mode, mtime, links_followed);
}

// A walk that makes nothing changes nothing: the cast does not let anything be written.
uint32_t LayerTree::find_directory(const std::vector<std::string>& components, Walk mode) const {
    return const_cast<LayerTree*>(this)->directory(components, mode, 0);
}

namespace {
std::vector<std::string> parents_of(const std::vector<std::string>& path) {
    return {path.begin(), path.end() - 1};
}
}  // namespace

void LayerTree::add(const std::vector<std::string>& path, const EntryAttributes& attributes) {
    if (path.empty()) {  // "./": the root's own attributes
        if (!S_ISDIR(attributes.mode)) refuse("the root replaced by something that is not a directory");
        inodes_[entries_[0].inode].attributes = attributes;
        return;
    }
    uint32_t parent = directory(parents_of(path), Walk::make, attributes.mtime);
    uint32_t existing = child(parent, path.back());
    if (existing != none) {
        if (S_ISDIR(attributes.mode) && is_directory(existing)) {
            inodes_[entries_[existing].inode].attributes = attributes;
            entries_[existing].layer = layer_;
            return;
        }
        remove(existing);
    }
    new_entry(parent, path.back(), new_inode(attributes));
}

void LayerTree::hard_link(const std::vector<std::string>& path, const std::vector<std::string>& target) {
    if (path.empty() || target.empty()) refuse("a hard link to or from the root directory");
    uint32_t target_directory = find_directory(parents_of(target));
    uint32_t linked = target_directory == none ? none : child(target_directory, target.back());
    if (linked == none) refuse("a hard link to a file that is not there");
    if (is_directory(linked)) refuse("a hard link to a directory");
    uint32_t parent = directory(parents_of(path), Walk::make, inodes_[entries_[linked].inode].attributes.mtime);
    uint32_t existing = child(parent, path.back());
    if (existing == linked) return;
    if (existing != none) remove(existing);
    new_entry(parent, path.back(), entries_[linked].inode);
}

void LayerTree::whiteout(const std::vector<std::string>& directory_path, std::string_view name) {
    uint32_t at = find_directory(directory_path, Walk::probe);
    if (at == none) return;
    uint32_t hidden = child(at, name);
    if (hidden != none && entries_[hidden].layer < layer_) remove(hidden);
}

void LayerTree::opaque(const std::vector<std::string>& directory_path) {
    uint32_t at = find_directory(directory_path, Walk::probe);
    if (at == none) return;
    auto& children = entries_[at].children;
    for (auto it = children.begin(); it != children.end();)
        it = entries_[it->second].layer < layer_ ? children.erase(it) : std::next(it);
}

bool LayerTree::exists(const std::vector<std::string>& path) const {
    if (path.empty()) return true;
    uint32_t parent = find_directory(parents_of(path));
    return parent != none && child(parent, path.back()) != none;
}

namespace {

void fill_node(SourceNode& node, uint32_t self, const EntryAttributes& attributes, SourceTree& tree) {
    node.primary = self;
    node.mode = attributes.mode;
    node.uid = attributes.uid;
    node.gid = attributes.gid;
    node.mtime = attributes.mtime;
    node.xattrs = attributes.xattrs;
    if (S_ISREG(attributes.mode)) {
        node.size = attributes.size;
        node.file_index = attributes.file_index;
        tree.regular_files++;
        tree.regular_bytes += attributes.size;
    } else if (S_ISLNK(attributes.mode)) {
        node.target_offset = tree.text.size();
        tree.text += attributes.link_target;
        node.size = attributes.link_target.size();
    } else if (S_ISBLK(attributes.mode) || S_ISCHR(attributes.mode)) {
        node.device = attributes.device;
    }
}

}  // namespace

SourceTree LayerTree::source_tree() const {
    SourceTree tree;
    tree.nodes.emplace_back();
    fill_node(tree.nodes[0], 0, inodes_[entries_[0].inode].attributes, tree);
    std::unordered_map<uint32_t, uint32_t> first_name;  // inode -> the node that named it first

    // A directory's entries as one block of nodes, then each subdirectory's, depth first: the
    // order scan_tree gives.
    auto visit = [&](auto& self, uint32_t entry, uint32_t node) -> void {
        const auto& children = entries_[entry].children;
        auto first = static_cast<uint32_t>(tree.nodes.size());
        tree.nodes[node].first_child = first;
        tree.nodes[node].child_count = static_cast<uint32_t>(children.size());
        for (const auto& [name, child_entry] : children) {
            auto index = static_cast<uint32_t>(tree.nodes.size());
            tree.nodes.emplace_back();
            SourceNode& added = tree.nodes[index];
            added.parent = node;
            added.name_offset = tree.text.size();
            added.name_length = static_cast<uint32_t>(name.size());
            tree.text += name;
            uint32_t inode = entries_[child_entry].inode;
            const EntryAttributes& attributes = inodes_[inode].attributes;
            if (S_ISDIR(attributes.mode)) {
                tree.nodes[node].subdirectories++;
            } else if (auto [seen, inserted] = first_name.try_emplace(inode, index); !inserted) {
                added.primary = seen->second;
                added.mode = tree.nodes[seen->second].mode;
                tree.nodes[seen->second].links++;
                continue;
            }
            fill_node(tree.nodes[index], index, attributes, tree);
        }
        uint32_t position = first;
        for (const auto& [name, child_entry] : children) {
            if (is_directory(child_entry)) self(self, child_entry, position);
            ++position;
        }
    };
    visit(visit, 0, 0);
    return tree;
}

}  // namespace hpc::image::layers
