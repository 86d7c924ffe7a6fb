#include "image/layers/layer_reader.hpp"

#include "common/error.hpp"
#include "common/printable.hpp"

#include "image/tar/tar_pass.hpp"

#include <archive_entry.h>

#include <sys/stat.h>

#include <algorithm>
#include <limits>
#include <memory>
#include <vector>

namespace hpc::image::layers {
namespace {

constexpr std::size_t read_size = 1 << 20;
constexpr std::size_t max_link_target_bytes = 4096;  // PATH_MAX: what a link can lead to
constexpr std::size_t max_xattr_value_bytes = 65536; // XATTR_SIZE_MAX: what Linux can hold
constexpr std::string_view whiteout_prefix = ".wh.";
constexpr std::string_view opaque_marker = ".wh..wh..opq";

// The layer's blob as the tar reader's source of bytes.
class BlobBytes final : public tar::ByteReader {
public:
    explicit BlobBytes(oci::BlobStream& blob) : blob_(blob) {}
    std::size_t read_some(void* buffer, std::size_t size) override { return blob_.read(buffer, size); }

private:
    oci::BlobStream& blob_;
};

tar::Compression tar_compression(oci::Compression compression) {
    switch (compression) {
    case oci::Compression::gzip:
        return tar::Compression::gzip;
    case oci::Compression::zstd:
        return tar::Compression::zstd;
    case oci::Compression::none:
        break;
    }
    return tar::Compression::none;
}

std::string entry_name(archive_entry* entry) {
    // PAX names are UTF-8 whatever the locale; ustar and GNU names are bytes, kept as they are.
    const char* name = archive_entry_pathname_utf8(entry);
    if (name == nullptr) name = archive_entry_pathname(entry);
    return name == nullptr ? std::string() : std::string(name);
}

uint32_t id_of(la_int64_t id, const char* what) {
    if (id < 0 || id > std::numeric_limits<uint32_t>::max())
        throw Error(ExitCode::data, std::string(what) + " " + std::to_string(id) + " does not fit in 32 bits");
    return static_cast<uint32_t>(id);
}

// A hard link's target, or null for any other entry.
const char* hard_link_target(archive_entry* entry) {
    const char* target = archive_entry_hardlink_utf8(entry);
    return target != nullptr ? target : archive_entry_hardlink(entry);
}

bool is_device(archive_entry* entry) {
    auto type = archive_entry_mode(entry) & S_IFMT;
    return type == S_IFBLK || type == S_IFCHR;
}

// What an entry is, by its name and header: both passes must count regular files alike.
enum class EntryKind { whiteout, hard_link, regular, other };

EntryKind kind_of(archive_entry* entry, const std::vector<std::string>& path, bool devices_as_files) {
    if (!path.empty() && path.back().starts_with(whiteout_prefix)) return EntryKind::whiteout;
    if (hard_link_target(entry) != nullptr) return EntryKind::hard_link;
    if (devices_as_files && is_device(entry)) return EntryKind::regular;
    return (archive_entry_mode(entry) & S_IFMT) == S_IFREG ? EntryKind::regular : EntryKind::other;
}

// One pass over a layer's tar: each entry handed to `visit` with its name's components; errors
// given the layer and the entry; the blob read to its end and its digest checked.
class LayerPass {
public:
    explicit LayerPass(const LayerInput& layer)
        : layer_(layer), bytes_(layer.blob), tar_(bytes_, tar_compression(layer.compression), layer.label) {}

    template <typename Visit>
    void run(Visit&& visit) {
        try {
            while (archive_entry* entry = tar_.next()) {
                name_ = entry_name(entry);
                try {
                    visit(entry, entry_path(name_));
                } catch (const Error& error) {
                    throw error.within(layer_.label + ": entry '" + printable(name_) + "'");
                }
                progress();
            }
        } catch (const Error& error) {
            if (error.code() != ExitCode::data) throw;
            // A tar or a stream that breaks off may be a blob that is not what its descriptor
            // says: its digest, checked over the rest of it, is then the cause to name.
            layer_.blob.finish();
            throw;
        }
        layer_.blob.finish();
        progress();
    }

    // The current entry's data into `stream`, holes of a sparse file as zeros (which the
    // squashfs stores as sparse blocks, taking no room). Returns its index there.
    uint32_t stream_data(archive_entry* entry, SquashfsStream& stream) {
        uint64_t size = static_cast<uint64_t>(std::max<la_int64_t>(archive_entry_size(entry), 0));
        uint32_t index = stream.begin_file(size, layer_.label + ": " + printable(name_));
        uint64_t written = 0;
        const void* block = nullptr;
        std::size_t length = 0;
        int64_t offset = 0;
        while (tar_.read_block(&block, &length, &offset)) {
            if (offset < 0 || static_cast<uint64_t>(offset) < written || static_cast<uint64_t>(offset) + length > size)
                throw Error(ExitCode::data, "data outside the entry's size");
            append_zeros(stream, static_cast<uint64_t>(offset) - written);
            stream.append(block, length);
            written = static_cast<uint64_t>(offset) + length;
            progress();
        }
        append_zeros(stream, size - written);
        stream.end_file();
        return index;
    }

private:
    void append_zeros(SquashfsStream& stream, uint64_t count) {
        if (count > 0 && zeros_.empty()) zeros_.assign(read_size, '\0');
        while (count > 0) {
            std::size_t now = static_cast<std::size_t>(std::min<uint64_t>(count, zeros_.size()));
            stream.append(zeros_.data(), now);
            count -= now;
        }
    }

    void progress() {
        if (layer_.on_progress) layer_.on_progress(layer_.blob.position());
    }

    const LayerInput& layer_;
    BlobBytes bytes_;
    tar::TarPass tar_;
    std::vector<char> zeros_;
    std::string name_;
};

// user.*, trusted.* and security.* (file capabilities): what a squashfs stores.
uint32_t record_xattrs(archive_entry* entry, SquashfsStream& stream) {
    if (archive_entry_xattr_reset(entry) == 0) return no_xattrs;
    std::vector<std::pair<std::string, std::string>> found;
    const char* name = nullptr;
    const void* value = nullptr;
    std::size_t size = 0;
    while (archive_entry_xattr_next(entry, &name, &value, &size) == ARCHIVE_OK) {
        std::string_view key = name ? name : "";
        if (!key.starts_with("user.") && !key.starts_with("trusted.") && !key.starts_with("security.")) continue;
        if (size > max_xattr_value_bytes)
            throw Error(ExitCode::data, "extended attribute " + printable(key) + " is longer than " +
                                            std::to_string(max_xattr_value_bytes) + " bytes");
        found.emplace_back(key, std::string(static_cast<const char*>(value), size));
    }
    if (found.empty()) return no_xattrs;
    std::sort(found.begin(), found.end());
    std::vector<Xattr> view;
    for (const auto& [key, bytes] : found) view.push_back({key, bytes});
    return stream.record_xattrs(view);
}

EntryAttributes attributes_of(archive_entry* entry, SquashfsStream& stream) {
    EntryAttributes attributes;
    attributes.mode = static_cast<uint32_t>(archive_entry_mode(entry));
    attributes.uid = id_of(archive_entry_uid(entry), "owner");
    attributes.gid = id_of(archive_entry_gid(entry), "group");
    attributes.mtime = archive_entry_mtime(entry);
    switch (attributes.mode & S_IFMT) {
    case S_IFREG:
        attributes.size = static_cast<uint64_t>(std::max<la_int64_t>(archive_entry_size(entry), 0));
        break;
    case S_IFLNK: {
        const char* target = archive_entry_symlink_utf8(entry);
        if (target == nullptr) target = archive_entry_symlink(entry);
        attributes.link_target = target ? target : "";
        if (attributes.link_target.empty()) throw Error(ExitCode::data, "a symbolic link without a target");
        if (attributes.link_target.size() > max_link_target_bytes)
            throw Error(ExitCode::data,
                        "a symbolic link whose target is longer than " + std::to_string(max_link_target_bytes) + " bytes");
        break;
    }
    case S_IFBLK:
    case S_IFCHR:
        attributes.device = squashfs_device_number(archive_entry_rdev(entry));
        break;
    case S_IFDIR:
    case S_IFIFO:
    case S_IFSOCK:
        break;
    default:
        throw Error(ExitCode::data, "an entry of unknown type");
    }
    attributes.xattrs = record_xattrs(entry, stream);
    return attributes;
}

}  // namespace

LayerTreeRead read_layer_tree(const LayerInput& layer, LayerTree& tree, SquashfsStream& stream, uint32_t first_origin) {
    LayerTreeRead read;
    LayerPass(layer).run([&](archive_entry* entry, std::vector<std::string> path) {
        switch (kind_of(entry, path, layer.devices_as_files)) {
        case EntryKind::whiteout: {
            std::string name = path.back();
            path.pop_back();
            if (name == opaque_marker)
                tree.opaque(path);
            else
                tree.whiteout(path, std::string_view(name).substr(whiteout_prefix.size()));
            return;
        }
        case EntryKind::hard_link: {
            std::string_view target = hard_link_target(entry);
            std::vector<std::string> target_path;
            try {
                target_path = entry_path(target);
            } catch (const Error& error) {
                throw error.within("a hard link to '" + printable(target) + "'");
            }
            tree.hard_link(path, target_path);
            return;
        }
        case EntryKind::regular: {
            EntryAttributes attributes = attributes_of(entry, stream);
            if (is_device(entry)) {  // its data pass finds no data: an empty file
                attributes.mode = S_IFREG | (attributes.mode & 07777);
                attributes.device = 0;
                read.devices_as_files++;
            }
            attributes.file_index = first_origin + read.regular_files++;
            tree.add(path, attributes);
            return;
        }
        case EntryKind::other:
            tree.add(path, attributes_of(entry, stream));
            return;
        }
    });
    return read;
}

void read_layer_data(const LayerInput& layer, SquashfsStream& stream, uint32_t first_origin,
                     const std::vector<bool>& live, std::vector<uint32_t>& file_index) {
    uint32_t origin = first_origin;
    LayerPass pass(layer);
    pass.run([&](archive_entry* entry, const std::vector<std::string>& path) {
        if (kind_of(entry, path, layer.devices_as_files) != EntryKind::regular) return;
        uint32_t current = origin++;
        if (current >= live.size()) throw Error(ExitCode::data, "more files than when it was first read");
        if (live[current]) file_index[current] = pass.stream_data(entry, stream);
    });
}

}  // namespace hpc::image::layers
