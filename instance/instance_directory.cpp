#include "instance/instance_directory.hpp"

#include "common/directory_names.hpp"
#include "common/error.hpp"
#include "common/named_lock.hpp"
#include "common/private_folder.hpp"
#include "common/read_to_end.hpp"
#include "common/write_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>

namespace hpc::instance {
namespace {

constexpr FolderKind instances_kind{"instances folder", "instances are one user's", ""};
constexpr std::string_view record_suffix = ".json";

std::string record_file(const std::string& name) { return name + std::string(record_suffix); }
std::string lock_file(const std::string& name) { return name + ".lock"; }

UniqueFd create_log(int folder, const std::string& name) {
    UniqueFd fd(::openat(folder, name.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_NOFOLLOW | O_CLOEXEC, 0600));
    if (!fd) throw_errno("instance log " + name);
    return fd;
}

}  // namespace

InstanceDirectory InstanceDirectory::open(const std::string& home, const std::string& host, const std::string& user) {
    InstanceDirectory directory;
    std::string base = home + "/.hpc/instances";
    directory.records_path_ = base + "/app/" + host + "/" + user;
    directory.logs_path_ = base + "/logs/" + host + "/" + user;
    directory.records_ = open_private_folder(directory.records_path_, instances_kind);
    directory.logs_ = open_private_folder(directory.logs_path_, instances_kind);
    return directory;
}

std::vector<std::string> InstanceDirectory::names() const {
    std::vector<std::string> names;
    // Lock files and the temporaries of records being written are there too: room for them.
    for (std::string& entry : directory_names(records_.get(), 3 * max_instances)) {
        if (entry.starts_with('.') || !entry.ends_with(record_suffix)) continue;
        entry.resize(entry.size() - record_suffix.size());
        names.push_back(std::move(entry));
    }
    std::sort(names.begin(), names.end());
    if (names.size() > max_instances + 1) names.resize(max_instances + 1);
    return names;
}

std::optional<std::string> InstanceDirectory::read_record(const std::string& name) const {
    std::string path = records_path_ + "/" + record_file(name);
    UniqueFd fd(::openat(records_.get(), record_file(name).c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC));
    if (!fd) {
        if (errno == ENOENT) return std::nullopt;
        throw_errno("instance record " + path);
    }
    struct stat status {};
    if (::fstat(fd.get(), &status) != 0) throw_errno("instance record " + path);
    if (!S_ISREG(status.st_mode)) throw Error(ExitCode::data, "instance record " + path + ": not a regular file");
    BoundedRead read = read_to_end(fd.get(), max_record_bytes);
    if (read.error != 0) throw_errno("instance record " + path, read.error);
    if (read.too_large)
        throw Error(ExitCode::data,
                    "instance record " + path + ": larger than " + std::to_string(max_record_bytes) + " bytes");
    return std::move(read.bytes);
}

void InstanceDirectory::write_record(const InstanceRecord& record) const {
    std::string temporary = "." + record_file(record.name) + "." + std::to_string(::getpid());
    UniqueFd fd(::openat(records_.get(), temporary.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
    if (!fd) throw_errno("instance record " + records_path_ + "/" + temporary);
    try {
        write_all(fd.get(), to_json(record), records_path_ + "/" + temporary);
    } catch (...) {
        ::unlinkat(records_.get(), temporary.c_str(), 0);
        throw;
    }
    if (::renameat(records_.get(), temporary.c_str(), records_.get(), record_file(record.name).c_str()) != 0) {
        int err = errno;
        ::unlinkat(records_.get(), temporary.c_str(), 0);
        throw_errno("instance record " + records_path_ + "/" + record_file(record.name), err);
    }
}

void InstanceDirectory::remove_record(const std::string& name) const {
    ::unlinkat(records_.get(), record_file(name).c_str(), 0);  // ENOENT: gone already
}

std::optional<UniqueFd> InstanceDirectory::take_lock(const std::string& name) const {
    return lock_named_file(records_.get(), lock_file(name), false, "instance lock " + records_path_ + "/" + lock_file(name));
}

bool InstanceDirectory::is_locked(const std::string& name) const { return named_file_is_locked(records_.get(), lock_file(name)); }

void InstanceDirectory::remove_lock(const std::string& name) const { ::unlinkat(records_.get(), lock_file(name).c_str(), 0); }

LogFiles InstanceDirectory::open_logs(const std::string& name) const {
    LogFiles logs;
    logs.out = create_log(logs_.get(), name + ".out");
    logs.err = create_log(logs_.get(), name + ".err");
    logs.out_path = logs_path_ + "/" + name + ".out";
    logs.err_path = logs_path_ + "/" + name + ".err";
    return logs;
}

}  // namespace hpc::instance
