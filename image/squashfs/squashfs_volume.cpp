#include "image/squashfs/squashfs_volume.hpp"

#include "common/error.hpp"
#include "image/squashfs/fast_inflate.hpp"
#include "image/squashfs/squashfs_table_check.hpp"
#include "image/squashfs/tree_paths.hpp"

#include <fcntl.h>
#include <sys/sysmacros.h>

extern "C" {  // libsquashfuse's headers declare C functions without saying so
#include <squashfuse/squashfuse.h>
}

#include <algorithm>
#include <array>
#include <bit>
#include <cstdlib>
#include <cstring>

namespace hpc::image {
namespace {

static_assert(std::endian::native == std::endian::little,
              "on-disk squashfs structures are read as they lie: little-endian hosts only");

// libsquashfuse 0.1.105 copies a directory entry's name (up to 65536 bytes by its 16-bit size
// field) into the caller's buffer without checking it against sqfs_name's 257 bytes; a buffer
// this large cannot be overrun by any listing.
constexpr std::size_t name_buffer_bytes = 65536 + 64;
constexpr std::size_t max_index_name = SQUASHFS_NAME_LEN;  // names in a directory index
constexpr uint64_t max_symlink_bytes = 65535;
constexpr std::size_t max_xattr_value = 65536;  // XATTR_SIZE_MAX
// Resuming a block walk within this many entries beats a fresh walk through the block index,
// which may have to step through a whole metadata block of entries (8192 / 4).
constexpr uint64_t resume_reach = SQUASHFS_METADATA_SIZE / sizeof(sqfs_blocklist_entry);

[[noreturn]] void corrupt(const std::string& what) { throw Error(ExitCode::data, "corrupt " + what); }

std::string init_failure(sqfs* fs, sqfs_err err) {
    switch (err) {
    case SQFS_BADFORMAT:
        return "not a squashfs file system (bad magic or truncated superblock)";
    case SQFS_BADVERSION: {
        int major = 0, minor = 0;
        sqfs_version(fs, &major, &minor);
        return "unsupported squashfs version " + std::to_string(major) + "." + std::to_string(minor) +
               " (hpc reads 4.0)";
    }
    case SQFS_BADCOMP: {
        sqfs_compression_type type = sqfs_compression(fs);
        const char* name = sqfs_compression_name(type);
        return name ? std::string("compressed with ") + name + ", which this libsquashfuse cannot decompress"
                    : "unknown compression type " + std::to_string(type);
    }
    default:
        return "corrupt squashfs: its id, fragment, export or xattr table cannot be read";
    }
}

// libsquashfuse's metadata reader computes `block size - offset` unsigned: an offset past the
// end of a (short) metadata block, which only a corrupt reference can produce, would make it
// copy gigabytes. Every reference that starts a metadata read is checked here first.
void check_metadata_start(sqfs* fs, uint64_t position, uint64_t offset, const char* what) {
    if (offset >= SQUASHFS_METADATA_SIZE) corrupt(what);
    sqfs_off_t pos = static_cast<sqfs_off_t>(position);
    sqfs_block* block = nullptr;
    if (sqfs_md_cache(fs, &pos, &block) != SQFS_OK || offset > block->size) corrupt(what);
}

uint32_t sanitized_mode(const sqfs_inode& raw) {
    // The on-disk mode may carry type bits of its own; the inode type is what counts.
    return (raw.base.mode & 07777u) | static_cast<uint32_t>(sqfs_mode(raw.base.inode_type));
}

// A data block's stored bytes are needed only once: what they decode to is kept by the block
// cache and by the kernel's page cache of the mount. Dropping them from the page cache of the
// image file keeps a node's cache to one copy of what its ranks read. Whole pages from the
// block's first (a sequential read has decoded what precedes it) to before its last, which the
// next block may share.
void forget_stored_bytes(int fd, uint64_t start, uint64_t length) {
    constexpr uint64_t page = 4096;
    uint64_t from = start & ~(page - 1);
    uint64_t to = (start + length) & ~(page - 1);
    if (to > from) (void)::posix_fadvise(fd, static_cast<off_t>(from), static_cast<off_t>(to - from), POSIX_FADV_DONTNEED);
}

bool is_valid_name(std::string_view name) {
    return !name.empty() && name != "." && name != ".." && name.find('/') == std::string_view::npos;
}

}  // namespace

struct SquashfsVolume::State {
    sqfs fs{};
    bool initialised = false;
    Inode root;
    std::unique_ptr<char[]> names = std::make_unique_for_overwrite<char[]>(name_buffer_bytes);
    struct Walk {
        bool valid = false;
        uint64_t ref = 0;
        uint64_t index = 0;  // the block `list` currently describes
        sqfs_blocklist list{};
    };
    std::array<Walk, 8> walks;  // where recent reads stopped, to continue sequential reads cheaply
    std::size_t next_walk = 0;
    // read()'s last block: small files share fragment blocks, and planning a launch reads
    // several of them (the environment scripts, passwd and group), each otherwise decoded anew.
    std::optional<std::pair<uint64_t, Block>> last_read;

    ~State() {
        if (!initialised) return;
        sqfs_destroy(&fs);
        // sqfs_destroy (0.1.105) forgets the xattr table; destroying it again is harmless
        // (the table is emptied), should a later version remember.
        sqfs_table_destroy(&fs.xattr_table);
    }

    // Positions `dir` at the directory header the index says is the last one before the
    // wanted place (`stop` says when an index entry is already past it), as
    // libsquashfuse's own fast-forward does, but refusing over-long index names.
    template <typename Stop>
    void fast_forward(sqfs_inode& raw, sqfs_dir& dir, Stop stop) {
        sqfs_md_cursor cursor = raw.next;
        for (uint32_t i = 0; i < raw.xtra.dir.idx_count; ++i) {
            struct squashfs_dir_index index {};
            if (sqfs_md_read(&fs, &cursor, &index, sizeof index) != SQFS_OK) corrupt("directory index");
            std::size_t name_size = std::size_t(index.size) + 1;
            if (name_size > max_index_name) corrupt("directory index");
            if (sqfs_md_read(&fs, &cursor, names.get(), name_size) != SQFS_OK) corrupt("directory index");
            if (stop(index, std::string_view(names.get(), name_size))) break;
            dir.cur.block = static_cast<sqfs_off_t>(index.start_block + fs.sb.directory_table_start);
            dir.offset = index.index;
        }
        dir.cur.offset = static_cast<std::size_t>((dir.cur.offset + static_cast<uint64_t>(dir.offset)) %
                                                  SQUASHFS_METADATA_SIZE);
        check_metadata_start(&fs, static_cast<uint64_t>(dir.cur.block), dir.cur.offset, "directory listing");
    }

    void open_directory(sqfs_inode& raw, sqfs_dir& dir) {
        if (!S_ISDIR(raw.base.mode)) throw Error(ExitCode::data, "not a directory", ENOTDIR);
        check_metadata_start(&fs, fs.sb.directory_table_start + raw.xtra.dir.start_block, raw.xtra.dir.offset,
                             "directory listing");
        if (sqfs_dir_open(&fs, &raw, &dir, 0) != SQFS_OK) corrupt("directory listing");
    }

    void advance(sqfs_blocklist& list) {
        if (sqfs_blocklist_next(&list) != SQFS_OK) corrupt("block list");
    }

    // A block list whose current block is block `index` of the file.
    sqfs_blocklist walk_to(sqfs_inode& raw, uint64_t ref, uint64_t index) {
        for (Walk& walk : walks) {
            if (walk.valid && walk.ref == ref && walk.index <= index && index - walk.index <= resume_reach) {
                sqfs_blocklist list = walk.list;
                list.fs = &fs;
                for (uint64_t at = walk.index; at < index; ++at) advance(list);
                return list;
            }
        }
        sqfs_blocklist list{};
        uint64_t block_size = fs.sb.block_size;
        if (sqfs_blockidx_blocklist(&fs, &raw, &list, static_cast<sqfs_off_t>(index * block_size)) != SQFS_OK)
            corrupt("block index");
        advance(list);
        while (list.pos / block_size < index) advance(list);
        return list;
    }

    void remember_walk(uint64_t ref, uint64_t index, const sqfs_blocklist& list) {
        Walk* slot = nullptr;
        for (Walk& walk : walks)
            if (walk.valid && walk.ref == ref) slot = &walk;
        if (!slot) {
            slot = &walks[next_walk];
            next_walk = (next_walk + 1) % walks.size();
        }
        *slot = Walk{true, ref, index, list};
    }

    sqfs_xattr open_xattrs(sqfs_inode& raw) {
        if (raw.xattr != SQUASHFS_INVALID_XATTR && fs.xattr_info.xattr_ids != 0 &&
            raw.xattr >= fs.xattr_info.xattr_ids)
            corrupt("xattr table");
        sqfs_xattr xattrs{};
        if (sqfs_xattr_open(&fs, &raw, &xattrs) != SQFS_OK) corrupt("xattr table");
        return xattrs;
    }

    std::string next_xattr_name(sqfs_xattr& xattrs) {
        if (sqfs_xattr_read(&xattrs) != SQFS_OK) corrupt("xattrs");
        std::string name(sqfs_xattr_name_size(&xattrs), '\0');
        if (sqfs_xattr_name(&xattrs, name.data(), true) != SQFS_OK) corrupt("xattrs");
        return name;
    }
};

void SquashfsVolume::load(const Inode& from, void* raw) {
    static_assert(sizeof(sqfs_inode) <= sizeof(from.raw_), "Inode::raw_ must hold a struct sqfs_inode");
    std::memcpy(raw, from.raw_, sizeof(sqfs_inode));
}

void SquashfsVolume::store(Inode& to, const void* raw) { std::memcpy(to.raw_, raw, sizeof(sqfs_inode)); }

SquashfsVolume::SquashfsVolume(int fd, uint64_t offset) : state_(std::make_unique<State>()) {
    sqfs* fs = &state_->fs;
    sqfs_err err = sqfs_init(fs, fd, static_cast<std::size_t>(offset));
    if (err != SQFS_OK) {
        // sqfs_init cleaned up with sqfs_destroy, which (0.1.105) forgets the xattr table it may
        // have read before another table failed: 8 bytes a block leaked per refused image (found
        // by tests/fuzz's squashfs under LeakSanitizer). Its init zeroed the table first.
        sqfs_table_destroy(&fs->xattr_table);
        throw Error(ExitCode::data, init_failure(fs, err));
    }
    state_->initialised = true;
    if (sqfs_compression(fs) == ZLIB_COMPRESSION) fs->decompressor = inflate_zlib_block;

    uint32_t block_size = fs->sb.block_size;
    if (block_size < 4096 || block_size > (1u << 20) || !std::has_single_bit(block_size) ||
        fs->sb.block_log != std::countr_zero(block_size))
        throw Error(ExitCode::data, "corrupt superblock: block size " + std::to_string(block_size));
    if (fs->sb.inodes == 0) throw Error(ExitCode::data, "corrupt superblock: no inodes");
    try {
        state_->root = inode(sqfs_inode_root(fs));
    } catch (const Error& error) {
        throw error.within("reading the root directory");
    }
    if (!state_->root.is_directory()) throw Error(ExitCode::data, "corrupt superblock: the root is not a directory");
}

SquashfsVolume::~SquashfsVolume() = default;

void SquashfsVolume::check_tables() {
    check_table_blocks(state_->fs);
    try {
        attributes(root());  // its owner and group, from the id table
        // Its listing's first entry only: a root of thousands would cost a millisecond, and the
        // planner's lookups read the rest.
        list(root(), 0, [](const DirEntry&, uint64_t) { return false; });
    } catch (const Error& error) {
        throw error.within("reading the root directory");
    }
}

uint32_t SquashfsVolume::block_size() const { return state_->fs.sb.block_size; }
uint32_t SquashfsVolume::inode_count() const { return state_->fs.sb.inodes; }
uint32_t SquashfsVolume::fragment_count() const { return state_->fs.sb.fragments; }
uint64_t SquashfsVolume::bytes_used() const { return state_->fs.sb.bytes_used; }
uint64_t SquashfsVolume::offset() const { return state_->fs.offset; }
uint32_t SquashfsVolume::mkfs_time() const { return state_->fs.sb.mkfs_time; }
bool SquashfsVolume::has_xattrs() const { return state_->fs.xattr_info.xattr_ids > 0; }
const Inode& SquashfsVolume::root() const { return state_->root; }

Inode SquashfsVolume::inode(uint64_t ref) {
    sqfs* fs = &state_->fs;
    check_metadata_start(fs, fs->sb.inode_table_start + (ref >> 16), ref & 0xffff, "inode table");
    sqfs_inode raw{};
    if (sqfs_inode_get(fs, &raw, ref) != SQFS_OK) corrupt("inode table");
    if (raw.base.inode_number == 0 || raw.base.inode_number > fs->sb.inodes)
        corrupt("inode table (inode number " + std::to_string(raw.base.inode_number) + " out of range)");
    raw.base.mode = static_cast<uint16_t>(sanitized_mode(raw));
    Inode out;
    out.ref_ = ref;
    out.number_ = raw.base.inode_number;
    out.mode_ = raw.base.mode;
    if (S_ISREG(out.mode_))
        out.size_ = raw.xtra.reg.file_size;
    else if (S_ISLNK(out.mode_))
        out.size_ = raw.xtra.symlink_size;
    else if (S_ISDIR(out.mode_)) {
        out.size_ = raw.xtra.dir.dir_size;
        out.parent_ = raw.xtra.dir.parent_inode;
    }
    store(out, &raw);
    return out;
}

std::optional<Inode> SquashfsVolume::find(const std::string& path, bool follow_last) {
    // The inode at a path whose parents hold no symlinks, the last one not followed.
    auto walk = [this](const std::string& resolved) -> std::optional<Inode> {
        Inode at = root();
        bool found = for_each_component(resolved, [&](std::string_view name) {
            if (!at.is_directory()) return false;
            std::optional<DirEntry> entry = lookup(at, name);
            if (!entry) return false;
            at = inode(entry->ref);
            return true;
        });
        if (!found) return std::nullopt;
        return at;
    };
    ReadLinkInRoot link_target = [&](const std::string& resolved) -> std::optional<std::string> {
        std::optional<Inode> link = walk(resolved);
        if (!link || !link->is_symlink()) return std::nullopt;
        return read_link(*link);
    };
    return walk(follow_last ? resolve_in_root(path, link_target) : resolve_in_root_keeping_last(path, link_target));
}

std::optional<DirEntry> SquashfsVolume::lookup(const Inode& directory, std::string_view name) {
    if (!is_valid_name(name) || name.size() > SQUASHFS_NAME_LEN) return std::nullopt;
    sqfs_inode raw{};
    load(directory, &raw);
    sqfs_dir dir{};
    state_->open_directory(raw, dir);
    // Names are sorted bytewise (mksquashfs uses strcmp); the index says which header to start at.
    state_->fast_forward(raw, dir, [&](const squashfs_dir_index&, std::string_view indexed) { return indexed > name; });
    sqfs_dir_entry entry{};
    sqfs_dentry_init(&entry, state_->names.get());
    sqfs_err err = SQFS_OK;
    while (sqfs_dir_next(&state_->fs, &dir, &entry, &err)) {
        std::string_view found(entry.name, entry.name_size);
        int order = found.compare(name);
        if (order == 0)
            return DirEntry{found, entry.inode, entry.inode_number, static_cast<uint32_t>(sqfs_mode(entry.type))};
        if (order > 0) break;
    }
    if (err != SQFS_OK) corrupt("directory listing");
    return std::nullopt;
}

void SquashfsVolume::list(const Inode& directory, uint64_t from,
                          const std::function<bool(const DirEntry& entry, uint64_t next)>& visit) {
    sqfs_inode raw{};
    load(directory, &raw);
    sqfs_dir dir{};
    state_->open_directory(raw, dir);
    if (from > 0) {
        state_->fast_forward(raw, dir, [&](const squashfs_dir_index& index, std::string_view) {
            return index.index >= from;
        });
    }
    sqfs_dir_entry entry{};
    sqfs_dentry_init(&entry, state_->names.get());
    sqfs_err err = SQFS_OK;
    while (sqfs_dir_next(&state_->fs, &dir, &entry, &err)) {
        if (static_cast<uint64_t>(entry.next_offset) <= from) continue;  // before the resume point
        std::string_view name(entry.name, entry.name_size);
        if (!is_valid_name(name)) continue;  // no kernel could show it; skipping keeps the rest listable
        DirEntry found{name, entry.inode, entry.inode_number, static_cast<uint32_t>(sqfs_mode(entry.type))};
        if (!visit(found, static_cast<uint64_t>(entry.next_offset))) return;
    }
    if (err != SQFS_OK) corrupt("directory listing");
}

std::string SquashfsVolume::read_link(const Inode& symlink) {
    if (!symlink.is_symlink()) throw Error(ExitCode::data, "not a symbolic link", EINVAL);
    if (symlink.size() > max_symlink_bytes) corrupt("symlink (target too long)");
    sqfs_inode raw{};
    load(symlink, &raw);
    std::string target(symlink.size() + 1, '\0');
    std::size_t size = target.size();
    if (sqfs_readlink(&state_->fs, &raw, target.data(), &size) != SQFS_OK) corrupt("symlink");
    target.resize(symlink.size());
    return target;
}

struct stat SquashfsVolume::attributes(const Inode& inode) {
    sqfs* fs = &state_->fs;
    sqfs_inode raw{};
    load(inode, &raw);
    struct stat st {};
    st.st_ino = inode.number();
    st.st_mode = inode.mode();
    st.st_nlink = static_cast<nlink_t>(std::max(raw.nlink, 1));
    sqfs_id_t uid = 0, gid = 0;
    if (raw.base.uid >= fs->sb.no_ids || raw.base.guid >= fs->sb.no_ids) corrupt("id table (index out of range)");
    if (sqfs_id_get(fs, raw.base.uid, &uid) != SQFS_OK || sqfs_id_get(fs, raw.base.guid, &gid) != SQFS_OK)
        corrupt("id table");
    st.st_uid = uid;
    st.st_gid = gid;
    st.st_size = static_cast<off_t>(inode.size());
    st.st_blksize = fs->sb.block_size;
    if (inode.is_regular()) st.st_blocks = static_cast<blkcnt_t>((inode.size() + 511) / 512);
    if (S_ISCHR(inode.mode()) || S_ISBLK(inode.mode()))
        st.st_rdev = makedev(static_cast<unsigned>(raw.xtra.dev.major), static_cast<unsigned>(raw.xtra.dev.minor));
    st.st_mtim.tv_sec = raw.base.mtime;
    st.st_atim = st.st_ctim = st.st_mtim;
    return st;
}

std::optional<uint64_t> SquashfsVolume::export_ref(uint32_t number) {
    sqfs* fs = &state_->fs;
    if (!sqfs_export_ok(fs) || number == 0 || number > fs->sb.inodes) return std::nullopt;
    sqfs_inode_id ref = 0;
    if (sqfs_export_inode(fs, number, &ref) != SQFS_OK) corrupt("export table");
    return ref;
}

void SquashfsVolume::locate(const Inode& file, uint64_t offset, uint64_t size, std::vector<BlockLocation>& out) {
    if (!file.is_regular()) throw Error(ExitCode::data, "not a regular file", EINVAL);
    uint64_t file_size = file.size();
    if (offset >= file_size || size == 0) return;
    uint64_t end = offset + std::min(size, file_size - offset);
    sqfs_inode raw{};
    load(file, &raw);
    uint64_t block_size = state_->fs.sb.block_size;
    bool has_fragment = raw.xtra.reg.frag_idx != SQUASHFS_INVALID_FRAG;
    uint64_t data_blocks = has_fragment ? file_size / block_size : (file_size + block_size - 1) / block_size;
    uint64_t first = offset / block_size, last = (end - 1) / block_size;

    if (first < data_blocks) {
        uint64_t stop = std::min(last, data_blocks - 1);
        sqfs_blocklist list = state_->walk_to(raw, file.ref(), first);
        for (uint64_t index = first;; ++index) {
            if (index > first) state_->advance(list);
            uint64_t block_start = index * block_size;
            uint64_t from = std::max(offset, block_start), to = std::min(end, block_start + block_size);
            BlockLocation location;
            location.offset = static_cast<uint32_t>(from - block_start);
            location.length = static_cast<uint32_t>(to - from);
            if (list.input_size == 0) {
                location.kind = BlockLocation::Kind::sparse;
            } else {
                location.position = list.block;
                location.header = list.header;
            }
            out.push_back(location);
            if (index == stop) break;
        }
        state_->remember_walk(file.ref(), stop, list);
    }

    if (has_fragment && last >= data_blocks) {
        if (raw.xtra.reg.frag_idx >= state_->fs.sb.fragments) corrupt("fragment table (index out of range)");
        uint64_t tail_start = data_blocks * block_size;
        if (uint64_t(raw.xtra.reg.frag_off) + (file_size - tail_start) > block_size) corrupt("fragment offset");
        struct squashfs_fragment_entry fragment {};
        if (sqfs_frag_entry(&state_->fs, &fragment, raw.xtra.reg.frag_idx) != SQFS_OK) corrupt("fragment table");
        uint64_t from = std::max(offset, tail_start);
        BlockLocation location;
        location.kind = BlockLocation::Kind::fragment;
        location.position = fragment.start_block;
        location.header = fragment.size;
        location.offset = static_cast<uint32_t>(raw.xtra.reg.frag_off + (from - tail_start));
        location.length = static_cast<uint32_t>(end - from);
        out.push_back(location);
    }
}

Block SquashfsVolume::read_block(uint64_t position, uint32_t header) {
    sqfs& fs = state_->fs;
    uint32_t stored = header & ~SQUASHFS_COMPRESSED_BIT_BLOCK;
    bool compressed = (header & SQUASHFS_COMPRESSED_BIT_BLOCK) == 0;
    std::string where = "data block at byte " + std::to_string(position);
    if (stored == 0 || stored > fs.sb.block_size) corrupt(where + " (stored size " + std::to_string(stored) + ")");
    if (position + stored > fs.sb.bytes_used) corrupt(where + " (past the end of the file system)");

    // Read and decompressed here rather than by sqfs_data_block_read, whose buffers are fresh
    // mallocs every time: into an arena slot (block_arena.hpp), through the image's
    // decompressor (libdeflate's for gzip, fast_inflate.hpp).
    BlockArena& arena = BlockArena::for_slot_size(fs.sb.block_size);
    auto give_back = [&arena](char* memory) { arena.release(memory); };
    std::unique_ptr<char, decltype(give_back)> slot(arena.allocate(), give_back);
    // The compressed bytes wait in a buffer of this thread's own, kept for its life: already
    // faulted in, and never zero-filled only to be overwritten by pread.
    thread_local std::unique_ptr<ScratchBuffer> compressed_bytes;
    if (!compressed_bytes || compressed_bytes->size() < fs.sb.block_size)
        compressed_bytes = std::make_unique<ScratchBuffer>(fs.sb.block_size);
    char* read_into = compressed ? compressed_bytes->data() : slot.get();
    if (::pread(fs.fd, read_into, stored, static_cast<off_t>(fs.offset + position)) != static_cast<ssize_t>(stored))
        corrupt(where + " (cannot be read)");
    forget_stored_bytes(fs.fd, fs.offset + position, stored);
    std::size_t produced = stored;
    if (compressed) {
        produced = fs.sb.block_size;
        if (fs.decompressor(compressed_bytes->data(), stored, slot.get(), &produced) != SQFS_OK)
            corrupt(where + " (does not decompress)");
    }
    // A file's last block is often much shorter, and the cache counts what a block holds: keep
    // a short one in memory of its own size and give the slot back.
    if (produced <= fs.sb.block_size / 4 * 3) return Block::copy_of(std::string_view(slot.get(), produced));
    return Block(slot.release(), produced, arena);
}

void SquashfsVolume::announce(const std::vector<BlockLocation>& blocks) {
    uint64_t start = UINT64_MAX, end = 0;
    for (const BlockLocation& block : blocks) {
        if (block.kind != BlockLocation::Kind::data) continue;  // a fragment is read on its own
        start = std::min(start, block.position);
        end = std::max(end, block.position + (block.header & ~SQUASHFS_COMPRESSED_BIT_BLOCK));
    }
    if (start >= end || end > state_->fs.sb.bytes_used) return;
    (void)::posix_fadvise(state_->fs.fd, static_cast<off_t>(state_->fs.offset + start), static_cast<off_t>(end - start),
                          POSIX_FADV_WILLNEED);
}

std::size_t SquashfsVolume::read(const Inode& file, uint64_t offset, std::span<char> out) {
    std::vector<BlockLocation> locations;
    locate(file, offset, out.size(), locations);
    std::size_t done = 0;
    for (const BlockLocation& location : locations) {
        char* into = out.data() + done;
        if (location.kind == BlockLocation::Kind::sparse) {
            std::memset(into, 0, location.length);
        } else {
            std::optional<std::pair<uint64_t, Block>>& last = state_->last_read;
            if (!last || last->first != location.position)
                last.emplace(location.position, read_block(location.position, location.header));
            const Block& block = last->second;
            if (uint64_t(location.offset) + location.length > block.size())
                corrupt("data block at byte " + std::to_string(location.position) + " (shorter than the file needs)");
            std::memcpy(into, block.data() + location.offset, location.length);
        }
        done += location.length;
    }
    return done;
}

std::string SquashfsVolume::list_xattrs(const Inode& inode) {
    sqfs_inode raw{};
    load(inode, &raw);
    sqfs_xattr xattrs = state_->open_xattrs(raw);
    std::string names;
    while (xattrs.remain > 0) {
        names += state_->next_xattr_name(xattrs);
        names += '\0';
    }
    return names;
}

std::optional<std::string> SquashfsVolume::xattr(const Inode& inode, std::string_view name) {
    // Not sqfs_xattr_lookup: in 0.1.105 it copies a stored name into a buffer sized for the
    // wanted one, which a crafted name overruns.
    sqfs_inode raw{};
    load(inode, &raw);
    sqfs_xattr xattrs = state_->open_xattrs(raw);
    while (xattrs.remain > 0) {
        if (state_->next_xattr_name(xattrs) != name) continue;
        std::size_t size = 0;
        if (sqfs_xattr_value_size(&xattrs, &size) != SQFS_OK) corrupt("xattrs");
        if (size > max_xattr_value) corrupt("xattrs (value too large)");
        std::string value(size, '\0');
        if (sqfs_xattr_value(&xattrs, value.data()) != SQFS_OK) corrupt("xattrs");
        return value;
    }
    return std::nullopt;
}

}  // namespace hpc::image
