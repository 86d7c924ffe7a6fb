#include "sandbox/run/container_entry.hpp"

#include "common/error.hpp"

#include <fcntl.h>
#include <linux/nsfs.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>

namespace hpc::sandbox {
namespace {

// The kinds of namespace a container may have of its own besides its user namespace, and
// setns(2)'s flag for each.
struct Kind {
    const char* name;
    int flag;
};
constexpr std::array<Kind, 6> other_kinds = {{{"mnt", CLONE_NEWNS},
                                              {"net", CLONE_NEWNET},
                                              {"uts", CLONE_NEWUTS},
                                              {"ipc", CLONE_NEWIPC},
                                              {"pid", CLONE_NEWPID},
                                              {"cgroup", CLONE_NEWCGROUP}}};

bool same_file(int first, int second) {
    struct stat a {}, b {};
    return ::fstat(first, &a) == 0 && ::fstat(second, &b) == 0 && a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

UniqueFd open_own_namespace(const std::string& kind) {
    UniqueFd fd(::open(("/proc/self/ns/" + kind).c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd) throw_errno("open this process's " + kind + " namespace");
    return fd;
}

// The target's namespace of `kind`, or an invalid descriptor when it is this process's own.
UniqueFd open_if_other(int process, const std::string& kind) {
    UniqueFd fd(::openat(process, ("ns/" + kind).c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd) throw_errno("open the container's " + kind + " namespace");
    if (same_file(fd.get(), open_own_namespace(kind).get())) return {};
    return fd;
}

// The user namespaces from the one just inside this process's down to `innermost`: a container
// made inside a root-owning namespace (--network slirp without root mapped) is two deep. Bounded
// as the kernel bounds nesting (32).
std::vector<UniqueFd> user_namespace_chain(const UniqueFd& innermost) {
    UniqueFd own = open_own_namespace("user");
    std::vector<UniqueFd> chain;
    chain.emplace_back(::fcntl(innermost.get(), F_DUPFD_CLOEXEC, 0));
    for (int depth = 0; depth < 32; ++depth) {
        UniqueFd parent(::ioctl(chain.back().get(), NS_GET_PARENT));
        if (!parent) {
            if (errno == EPERM) break;  // beyond this process's scope: the chain is complete
            throw_errno("find the parent of the container's user namespace");
        }
        if (same_file(parent.get(), own.get())) break;
        chain.push_back(std::move(parent));
    }
    std::reverse(chain.begin(), chain.end());
    return chain;
}

}  // namespace

ContainerEntry open_container(int process) {
    ContainerEntry entry;
    entry.user_namespace = open_if_other(process, "user");
    for (const Kind& kind : other_kinds)
        if (UniqueFd fd = open_if_other(process, kind.name)) entry.namespaces.push_back({kind.name, std::move(fd)});
    entry.root = UniqueFd(::openat(process, "root", O_PATH | O_DIRECTORY | O_CLOEXEC));
    if (!entry.root) throw_errno("open the container's root directory");
    return entry;
}

void enter_container(const ContainerEntry& entry) {
    std::vector<bool> entered(entry.namespaces.size(), false);
    auto enter_owned_by = [&](int owner) {
        for (std::size_t index = 0; index < entry.namespaces.size(); ++index) {
            if (entered[index]) continue;
            UniqueFd namespace_owner(::ioctl(entry.namespaces[index].fd.get(), NS_GET_USERNS));
            if (owner >= 0 && !(namespace_owner && same_file(namespace_owner.get(), owner))) continue;
            if (::setns(entry.namespaces[index].fd.get(), 0) != 0)
                throw_errno("enter the container's " + entry.namespaces[index].kind + " namespace");
            entered[index] = true;
        }
    };
    if (entry.user_namespace) {
        for (const UniqueFd& level : user_namespace_chain(entry.user_namespace)) {
            if (::setns(level.get(), CLONE_NEWUSER) != 0) throw_errno("enter the container's user namespace");
            enter_owned_by(level.get());
        }
    }
    enter_owned_by(-1);  // what is left: owned further out, where this process is privileged already
    if (::fchdir(entry.root.get()) != 0 || ::chroot(".") != 0) throw_errno("enter the container's root");
}

}  // namespace hpc::sandbox
