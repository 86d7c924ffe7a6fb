#include "image/layers/layer_reader.hpp"

#include "common/error.hpp"

#include <archive.h>
#include <archive_entry.h>

#include <sys/stat.h>

#include <algorithm>
#include <exception>
#include <limits>
#include <memory>
#include <vector>

namespace hpc::image::layers {
namespace {

constexpr std::size_t read_size = 1 << 20;
constexpr std::string_view whiteout_prefix = ".wh.";
constexpr std::string_view opaque_marker = ".wh..wh..opq";

struct ArchiveFree {
    void operator()(archive* handle) const { archive_read_free(handle); }
};

// libarchive pulls the blob through this callback; an exception may not cross its C frames, so
// it waits here and is thrown again once libarchive has returned.
struct BlobFeed {
    oci::BlobStream& blob;
    std::vector<char> buffer = std::vector<char>(read_size);
    std::exception_ptr failure;

    static la_ssize_t read(archive* handle, void* self_pointer, const void** data) {
        auto* self = static_cast<BlobFeed*>(self_pointer);
        try {
            *data = self->buffer.data();
            return static_cast<la_ssize_t>(self->blob.read(self->buffer.data(), self->buffer.size()));
        } catch (...) {
            self->failure = std::current_exception();
            archive_set_error(handle, EIO, "reading the blob failed");
            return -1;
        }
    }
};

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

class LayerApplier {
public:
    LayerApplier(const LayerInput& layer, LayerTree& tree, SquashfsStream& stream,
                 const std::function<void(uint64_t)>& on_progress)
        : layer_(layer), tree_(tree), stream_(stream), on_progress_(on_progress), feed_{layer.blob, std::vector<char>(read_size), nullptr},
          zeros_(read_size, '\0') {}

    void run() {
        std::unique_ptr<archive, ArchiveFree> handle(archive_read_new());
        if (!handle) throw Error(ExitCode::os, layer_.label + ": cannot start the tar reader");
        archive_ = handle.get();
        archive_read_support_format_tar(archive_);
        // Only the decompressor the media type names: a layer whose bytes are something else
        // is then not a tar, and says so.
        if (layer_.compression == oci::Compression::gzip) archive_read_support_filter_gzip(archive_);
        if (layer_.compression == oci::Compression::zstd) archive_read_support_filter_zstd(archive_);
        if (archive_read_open(archive_, &feed_, nullptr, BlobFeed::read, nullptr) != ARCHIVE_OK)
            throw failure().within(layer_.label);
        archive_entry* entry = nullptr;
        for (;;) {
            int status = archive_read_next_header(archive_, &entry);
            if (status == ARCHIVE_EOF) break;
            if (status < ARCHIVE_WARN)
                throw failure().within(entries_ == 0 ? layer_.label : layer_.label + ": after entry '" + last_name_ + "'");
            ++entries_;
            last_name_ = entry_name(entry);
            try {
                apply(entry);
            } catch (const Error& error) {
                if (feed_.failure) std::rethrow_exception(feed_.failure);
                throw error.within(layer_.label + ": entry '" + last_name_ + "'");
            }
            on_progress_(layer_.blob.position());
        }
        layer_.blob.finish();
        on_progress_(layer_.blob.position());
    }

private:
    // What libarchive says went wrong, or the blob's own failure when reading it was the cause.
    Error failure() {
        if (feed_.failure) std::rethrow_exception(feed_.failure);
        const char* cause = archive_error_string(archive_);
        return Error(ExitCode::data, cause ? cause : "not a readable tar stream");
    }

    void apply(archive_entry* entry) {
        std::vector<std::string> path = entry_path(last_name_);
        if (!path.empty() && path.back().starts_with(whiteout_prefix)) {
            std::string name = path.back();
            path.pop_back();
            if (name == opaque_marker)
                tree_.opaque(path);
            else
                tree_.whiteout(path, std::string_view(name).substr(whiteout_prefix.size()));
            return;
        }
        if (const char* target = archive_entry_hardlink(entry)) {
            tree_.hard_link(path, entry_path(target));
            return;
        }
        EntryAttributes attributes;
        attributes.mode = static_cast<uint32_t>(archive_entry_mode(entry));
        attributes.uid = id_of(archive_entry_uid(entry), "owner");
        attributes.gid = id_of(archive_entry_gid(entry), "group");
        attributes.mtime = archive_entry_mtime(entry);
        attributes.xattrs = record_xattrs(entry);
        switch (attributes.mode & S_IFMT) {
        case S_IFREG:
            attributes.size = static_cast<uint64_t>(std::max<la_int64_t>(archive_entry_size(entry), 0));
            attributes.file_index = stream_data(attributes.size);
            break;
        case S_IFLNK: {
            const char* target = archive_entry_symlink(entry);
            attributes.link_target = target ? target : "";
            if (attributes.link_target.empty()) throw Error(ExitCode::data, "a symbolic link without a target");
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
        tree_.add(path, attributes);
    }

    // user.*, trusted.* and security.* (file capabilities): what a squashfs stores.
    uint32_t record_xattrs(archive_entry* entry) {
        if (archive_entry_xattr_reset(entry) == 0) return no_xattrs;
        std::vector<std::pair<std::string, std::string>> found;
        const char* name = nullptr;
        const void* value = nullptr;
        std::size_t size = 0;
        while (archive_entry_xattr_next(entry, &name, &value, &size) == ARCHIVE_OK) {
            std::string_view key = name ? name : "";
            if (key.starts_with("user.") || key.starts_with("trusted.") || key.starts_with("security."))
                found.emplace_back(key, std::string(static_cast<const char*>(value), size));
        }
        if (found.empty()) return no_xattrs;
        std::sort(found.begin(), found.end());
        std::vector<Xattr> view;
        for (const auto& [key, bytes] : found) view.push_back({key, bytes});
        return stream_.record_xattrs(view);
    }

    // The entry's data into the squashfs, holes of a sparse file as zeros (which the squashfs
    // stores as sparse blocks, taking no room).
    uint32_t stream_data(uint64_t size) {
        uint32_t index = stream_.begin_file(size, layer_.label + ": " + last_name_);
        uint64_t written = 0;
        for (;;) {
            const void* block = nullptr;
            std::size_t length = 0;
            la_int64_t offset = 0;
            int status = archive_read_data_block(archive_, &block, &length, &offset);
            if (status == ARCHIVE_EOF) break;
            if (status < ARCHIVE_WARN) throw failure();
            if (offset < 0 || static_cast<uint64_t>(offset) < written || static_cast<uint64_t>(offset) + length > size)
                throw Error(ExitCode::data, "data outside the entry's size");
            append_zeros(static_cast<uint64_t>(offset) - written);
            stream_.append(block, length);
            written = static_cast<uint64_t>(offset) + length;
            on_progress_(layer_.blob.position());
        }
        append_zeros(size - written);
        stream_.end_file();
        return index;
    }

    void append_zeros(uint64_t count) {
        while (count > 0) {
            std::size_t now = static_cast<std::size_t>(std::min<uint64_t>(count, zeros_.size()));
            stream_.append(zeros_.data(), now);
            count -= now;
        }
    }

    const LayerInput& layer_;
    LayerTree& tree_;
    SquashfsStream& stream_;
    const std::function<void(uint64_t)>& on_progress_;
    BlobFeed feed_;
    std::vector<char> zeros_;
    archive* archive_ = nullptr;
    uint64_t entries_ = 0;
    std::string last_name_;
};

}  // namespace

void apply_layer(const LayerInput& layer, LayerTree& tree, SquashfsStream& stream,
                 const std::function<void(uint64_t)>& on_progress) {
    LayerApplier(layer, tree, stream, on_progress).run();
}

}  // namespace hpc::image::layers
