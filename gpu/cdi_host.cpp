// read_cdi_devices (gpu/cdi.hpp): the host's side of CDI, the only part of it that makes system
// calls. It reads the spec directories as CDI's Go package does (scanSpecDirs: a missing
// directory has no specs, *.json and *.yaml files only, in name order) and gives the parsed
// specs and stat(2) of the host's nodes to the pure resolution (gpu/cdi_resolution.hpp).
#include "gpu/cdi.hpp"

#include "common/directory_names.hpp"
#include "common/error.hpp"
#include "common/printable.hpp"
#include "common/read_to_end.hpp"
#include "common/unique_fd.hpp"
#include "gpu/cdi_resolution.hpp"
#include "gpu/cdi_spec.hpp"

#include <algorithm>
#include <cerrno>

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

namespace hpc::gpu {
namespace {

// A directory of specs holds a few (one per vendor), or, where Podman and containerd write one
// per container (/var/run/cdi's transient specs), a few hundred on a busy node. These bounds
// keep a directory someone filled from costing a launch more than a second or two.
constexpr std::size_t max_directory_entries = 65536;
constexpr std::size_t max_spec_files = 1024;
constexpr std::size_t max_total_spec_bytes = 64 * max_cdi_spec_bytes;

bool is_spec_file_name(const std::string& name) { return name.ends_with(".json") || name.ends_with(".yaml"); }

class SpecDirectoryReader {
public:
    // The specs of `path`; none when it does not exist.
    CdiDirectory read(const std::string& path) {
        CdiDirectory directory{path, {}};
        UniqueFd fd(::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
        if (!fd) {
            if (errno == ENOENT) return directory;
            throw_errno("open CDI spec directory " + path);
        }
        std::vector<std::string> names = directory_names(fd.get(), max_directory_entries);
        if (names.size() > max_directory_entries)
            throw Error(ExitCode::data, path + ": more than " + std::to_string(max_directory_entries) + " entries");
        std::erase_if(names, [](const std::string& name) { return !is_spec_file_name(name); });
        std::sort(names.begin(), names.end());
        if (names.size() > max_spec_files)
            throw Error(ExitCode::data, path + ": more than " + std::to_string(max_spec_files) + " CDI spec files");
        for (const std::string& name : names) {
            // For messages alone: the file is opened by its name in the directory's descriptor.
            std::string file = printable(path + (path.ends_with('/') ? "" : "/") + name);
            std::optional<std::string> text = read_spec_file(fd.get(), name, file);
            if (text) directory.specs.push_back(parse_cdi_spec(*text, file));
        }
        return directory;
    }

private:
    // The text of a regular file `name` in `directory` (a link to one followed, as CDI's
    // os.ReadFile does); nullopt for anything else (a directory named like a spec, a FIFO).
    std::optional<std::string> read_spec_file(int directory, const std::string& name, const std::string& file) {
        UniqueFd fd(::openat(directory, name.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY));
        if (!fd) {
            if (errno == ENOENT) return std::nullopt;  // gone since it was listed
            throw_errno("open " + file);
        }
        struct stat status {};
        if (::fstat(fd.get(), &status) != 0) throw_errno("stat " + file);
        if (!S_ISREG(status.st_mode)) return std::nullopt;
        BoundedRead read = read_to_end(fd.get(), max_cdi_spec_bytes);
        if (read.error != 0) throw_errno("read " + file, read.error);
        if (read.too_large) throw Error(ExitCode::data, file + ": larger than " + std::to_string(max_cdi_spec_bytes) + " bytes");
        total_bytes_ += read.bytes.size();
        if (total_bytes_ > max_total_spec_bytes)
            throw Error(ExitCode::data, "the CDI spec directories hold more than " + std::to_string(max_total_spec_bytes) +
                                            " bytes of specs, " + file + " included");
        return std::move(read.bytes);
    }

    std::size_t total_bytes_ = 0;
};

std::optional<HostNode> stat_host_node(const std::string& path) {
    struct stat status {};
    if (::stat(path.c_str(), &status) != 0) {
        if (errno == ENOENT || errno == ENOTDIR) return std::nullopt;
        throw_errno("stat " + path);
    }
    HostNode node;
    if (S_ISCHR(status.st_mode))
        node.type = HostNode::Type::character;
    else if (S_ISBLK(status.st_mode))
        node.type = HostNode::Type::block;
    else if (S_ISFIFO(status.st_mode))
        node.type = HostNode::Type::fifo;
    node.major = major(status.st_rdev);
    node.minor = minor(status.st_rdev);
    node.mode = status.st_mode & 07777;
    node.uid = status.st_uid;
    node.gid = status.st_gid;
    return node;
}

}  // namespace

CdiEdits read_cdi_devices(const std::vector<std::string>& names, const std::vector<std::string>& directories) {
    if (names.empty()) return {};
    for (const std::string& name : names) parse_cdi_device_name(name);  // a usage error before any file is read
    SpecDirectoryReader reader;
    std::vector<CdiDirectory> read;
    for (const std::string& directory : directories) read.push_back(reader.read(directory));
    return resolve_cdi_devices(names, read, stat_host_node);
}

}  // namespace hpc::gpu
