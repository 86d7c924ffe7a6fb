#include "image/tar/tar_archive.hpp"

#include "common/error.hpp"
#include "common/printable.hpp"
#include "image/tar/tar_pass.hpp"

#include <fcntl.h>
#include <sys/stat.h>

#include <cerrno>

namespace hpc::image::tar {
namespace {

// Members an archive may have: an image's tar has a few per layer; the bound keeps the index of
// a hostile one small.
constexpr std::size_t max_members = 100000;
// Links followed to reach a file: Docker links a layer once; more is a loop or a trick.
constexpr int max_link_hops = 8;

std::string parent_of(std::string_view name) {
    std::size_t slash = name.rfind('/');
    return slash == std::string_view::npos ? std::string() : std::string(name.substr(0, slash));
}

const char* pathname(archive_entry* entry) {
    const char* name = archive_entry_pathname(entry);
    return name ? name : "";
}

bool is_regular_file(archive_entry* entry) {
    return !archive_entry_hardlink(entry) && archive_entry_filetype(entry) == AE_IFREG;
}

// Reads through a descriptor of its own (a dup: the same open file, read with pread), so that it
// may outlive the TarArchive that made it.
class MemberReader final : public ByteReader {
public:
    MemberReader(UniqueFd fd, uint64_t file_size, const std::string& path, const std::string& name)
        : fd_(std::move(fd)), pass_(fd_.get(), file_size, path) {
        while (archive_entry* entry = pass_.next())
            if (is_regular_file(entry) && normal_member_name(pathname(entry)) == name) return;
        // The headers were read once already; a member gone now means the file changed.
        throw Error(ExitCode::data,
                    path + ": member " + quoted_printable(name) + " is gone (the file changed while hpc read it)");
    }
    std::size_t read_some(void* buffer, std::size_t size) override { return pass_.read(buffer, size); }

private:
    UniqueFd fd_;
    TarPass pass_;
};

}  // namespace

std::string normal_member_name(std::string_view name) {
    std::vector<std::string_view> parts;
    while (!name.empty()) {
        std::size_t slash = name.find('/');
        std::string_view part = name.substr(0, slash);
        name = slash == std::string_view::npos ? std::string_view() : name.substr(slash + 1);
        if (part.empty() || part == ".") continue;
        if (part == "..") {
            if (parts.empty()) return {};
            parts.pop_back();
            continue;
        }
        parts.push_back(part);
    }
    std::string normal;
    for (std::string_view part : parts) {
        if (!normal.empty()) normal += '/';
        normal += part;
    }
    return normal;
}

TarArchive::TarArchive(const std::string& path) : path_(path) {
    // O_NONBLOCK: a FIFO opens at once and is refused below instead of waiting for a writer.
    fd_.reset(::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY));
    if (!fd_) throw_errno(path);
    struct stat status {};
    if (::fstat(fd_.get(), &status) != 0) throw_errno(path);
    if (!S_ISREG(status.st_mode)) throw Error(ExitCode::data, path + ": not a regular file");
    file_size_ = static_cast<uint64_t>(status.st_size);
    read_headers();
}

void TarArchive::read_headers() {
    TarPass pass(fd_.get(), file_size_, path_);
    std::map<std::string, std::string, std::less<>> symlinks;  // name -> target, relative to the link's folder
    std::size_t count = 0;
    while (archive_entry* entry = pass.next()) {
        if (++count > max_members)
            throw Error(ExitCode::data, path_ + ": more than " + std::to_string(max_members) + " members");
        std::string name = normal_member_name(pathname(entry));
        if (name.empty()) continue;  // "./", or a name that leaves the archive: nothing hpc looks up
        const char* hardlink = archive_entry_hardlink(entry);
        const char* symlink = archive_entry_symlink(entry);
        bool is_file = is_regular_file(entry);
        bool is_link = hardlink || (symlink && archive_entry_filetype(entry) == AE_IFLNK);
        if (!is_file && !is_link) continue;
        // Tar lets a later member replace an earlier one; hpc would have to choose, so it refuses.
        if (files_.count(name) || links_.count(name) || symlinks.count(name))
            throw Error(ExitCode::data, path_ + ": member " + quoted_printable(name) + " is in the archive twice");
        if (is_file)
            files_.emplace(name,
                           TarMember{name, static_cast<uint64_t>(std::max<la_int64_t>(archive_entry_size(entry), 0))});
        else if (hardlink)
            links_.emplace(name, normal_member_name(hardlink));  // a hard link's target is named from the root
        else
            symlinks.emplace(name, symlink);
    }
    for (const auto& [name, target] : symlinks) {
        std::string resolved =
            target.starts_with('/') ? normal_member_name(target) : normal_member_name(parent_of(name) + "/" + target);
        links_.emplace(name, resolved);
    }
}

const TarMember* TarArchive::find(std::string_view name) const {
    std::string current = normal_member_name(name);
    for (int hop = 0; hop <= max_link_hops && !current.empty(); ++hop) {
        if (auto file = files_.find(current); file != files_.end()) return &file->second;
        auto link = links_.find(current);
        if (link == links_.end()) return nullptr;
        current = link->second;
    }
    return nullptr;
}

std::vector<std::string> TarArchive::names() const {
    std::vector<std::string> names;
    for (const auto& [name, member] : files_) names.push_back(name);
    return names;
}

std::unique_ptr<ByteReader> TarArchive::open_member(const TarMember& member) const {
    UniqueFd copy(::fcntl(fd_.get(), F_DUPFD_CLOEXEC, 0));
    if (!copy) throw_errno(path_ + ": dup");
    return std::make_unique<MemberReader>(std::move(copy), file_size_, path_, member.name);
}

std::string TarArchive::read_member(const TarMember& member, std::size_t max_bytes) const {
    std::string context = path_ + ": " + member.name;
    if (member.size > max_bytes)
        throw Error(ExitCode::data, context + ": " + std::to_string(member.size) + " bytes, more than the " +
                                        std::to_string(max_bytes) + " hpc reads of it");
    std::string bytes(static_cast<std::size_t>(member.size), '\0');
    auto reader = open_member(member);  // its errors name the archive
    try {
        std::size_t have = 0;
        while (have < bytes.size()) {
            std::size_t got = reader->read_some(bytes.data() + have, bytes.size() - have);
            if (got == 0)
                throw Error(ExitCode::data,
                            "truncated: " + std::to_string(have) + " of " + std::to_string(bytes.size()) + " bytes");
            have += got;
        }
    } catch (const Error& error) {
        throw error.within(context);
    }
    return bytes;
}

}  // namespace hpc::image::tar
