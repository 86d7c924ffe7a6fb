// One mount per node (design.md, "Serving squashfs"): concurrent launches of the same image by
// the same user share the first launcher's FUSE mount, and so one page cache and one server.
//
// The meeting point is an abstract unix socket named after the user, the image file and the id
// maps: nothing on disk, gone with its process, and the first to bind it serves. Later
// launchers connect, check that the peer is the same user, wait for the word that its image is
// mounted, then join its user and mount namespaces and make a private mount namespace of their
// own for their binds. The server follows each joiner's process (a pidfd: a joiner becomes its
// payload, launcher.hpp) and outlives its own payload until the last has ended; a joiner that
// meets a dying server (or none) tries again, and becomes the server itself when the name is
// free. No daemon: nothing runs after the last payload.
#pragma once

#include "common/unique_fd.hpp"
#include "sandbox/plan/launch_plan.hpp"

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace hpc::sandbox {

// The serving launcher's side: it holds the name from claim until the last joiner is gone.
class ShareHost {
public:
    explicit ShareHost(UniqueFd listener);
    ~ShareHost();
    ShareHost(ShareHost&&) noexcept;
    ShareHost& operator=(ShareHost&&) = delete;

    // Before start_accepting, for a server that stays after the launches it serves (a
    // lingering one, launcher.hpp's serve_lingering): once the last joiner has gone, `idle` is
    // called (it ends what they left running) and the server waits `linger` for the next; one
    // that comes within it is served as the first was. When one of `end_fds` becomes readable
    // (the image file changed, a stop signal), the name is released at once, so that no one new
    // joins, and the server ends when the joiners it has have ended.
    void linger_after_last(std::chrono::milliseconds linger, std::vector<int> end_fds, std::function<void()> idle);

    // Before start_accepting: what the server tells a joiner when its process ends, on the
    // standard error it passed when it joined: `warnings(since)`, given `failures()` as it was
    // when the joiner came (the image's reads that failed), or nothing. A lingering server has
    // no terminal of its own to say it on, and a joiner's payload no hpc left after it.
    void report_to_joiners(std::function<uint64_t()> failures, std::function<std::string(uint64_t since)> warnings);

    // In a process forked from the one that claimed the name without listening (a lingering
    // server, meet's `listen`): listen, so that joiners' SO_PEERCRED names this process, whose
    // namespaces they enter.
    void listen_here();

    // Before start_accepting, in the serving launcher once its own container's tree is staged
    // (Executor::prepare done, in this process's mount namespace): that tree is kept for
    // joiners of the same key (staged_tree_key.hpp, "" for none), as a joiner's offered tree
    // is. A Slurm step's ranks on a node start together: all of them then wait for this
    // launcher's image, and enter its tree instead of each staging the same one meanwhile.
    void keep_own_tree(const std::string& key);

    // The image is mounted (in this process's namespaces): answer joiners from a thread.
    void start_accepting();
    // After this launcher's own payload: returns once every joiner's process has ended and the
    // name is released, so that no one joins a server that is going.
    void wait_for_last_user();

private:
    struct State;
    std::unique_ptr<State> state_;
};

// A joiner's side: the connection (it may close: the server follows the joiner's process) and
// the server's namespaces, opened while it was known to be alive.
//
// A joiner stages its container in a mount namespace of its own, which the server may keep
// for the next launch that would stage the same tree (staged_tree_key.hpp): that one enters
// the finished tree (enter_staged_tree) and stages nothing; one that stages its own offers it
// once complete (offer_staged_tree). The server keeps the newest few, for as long as it serves.
struct ShareGuest {
    UniqueFd connection;
    UniqueFd user_namespace;
    UniqueFd mount_namespace;
    UniqueFd staged_tree;      // a mount namespace with this launch's tree staged, when the server kept one
    bool offers_tree = false;  // none was kept, and this launch's tree may be
};

using ShareRole = std::variant<ShareHost, ShareGuest>;

// The name under which `uid`'s launches of one image file (`image_identity`, ImageFile's) with
// the plan's id maps and image files beside the root (LaunchPlan::images) meet.
std::string meeting_name(uid_t uid, const std::string& image_identity, const LaunchPlan& plan);

// Meets the other launches under `name`: serve, or join a server that is ready. Throws
// hpc::Error(unavailable) at once when another user holds the name (listening or not: the
// kernel says whose it is), or when neither is possible after several tries.
// `listen`: the claimer listens at once; without it (a lingering server's claimer, which forks
// the server) the name is bound alone, and launches that meet it meanwhile are refused and try
// again, until the server listens (ShareHost::listen_here): whoever connects is then told the
// server's pid (SO_PEERCRED is set by listen(2)), never the claimer's.
// `tree_key_of`: the key of the tree this launch stages (staged_tree_key.hpp), "" (or none) for
// one that may not be kept; asked once, when there is a server to join.
ShareRole meet(const std::string& name, bool listen = true, const std::function<std::string()>& tree_key_of = {});

// meet() under this user's meeting_name for the image and the plan.
ShareRole meet_launches_of(const std::string& image_identity, const LaunchPlan& plan);

// In a joiner, still single-threaded: enters the server's user and mount namespaces and takes a
// private copy of the latter. Its root is then the server's staging root (executor.hpp): the
// image mount there, the host's tree below the previous root.
void enter_shared(const ShareGuest& guest);

// In a joiner, still single-threaded: when the server kept a tree of this launch's key, enters
// the server's user namespace and that tree's mount namespace, and returns true. Its root is
// then the staging root of the launch that staged it, the container's tree complete at
// /newroot: what is left is the payload's entry (Executor::enter, in a namespace of its own).
bool enter_staged_tree(const ShareGuest& guest);

// In a joiner whose tree is staged (Executor::prepare done), before the payload's entry: offers
// this mount namespace to the server for later launches of the same key, when it may be kept.
void offer_staged_tree(const ShareGuest& guest);

}  // namespace hpc::sandbox
