#include "sandbox/run/node_share.hpp"

#include "common/error.hpp"
#include "common/pipe.hpp"
#include "sandbox/run/mount_ops.hpp"
#include "sandbox/run/socket_owner.hpp"
#include "sandbox/run/staged_tree_key.hpp"

#include <fcntl.h>
#include <linux/nsfs.h>
#include <poll.h>
#include <sched.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstddef>
#include <cstdio>
#include <cstring>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

namespace hpc::sandbox {
namespace {

constexpr char ready_word = 'R';
// After the ready word: the joiner's hello (its standard error, and the key of the tree it would
// stage), then the server's answer, a staged tree of that key or none; then, from a joiner that
// staged its own, the tree offered for the next (staged_tree_key.hpp).
constexpr char hello_word = 'H';
constexpr char tree_word = 'T';
constexpr char no_tree_word = 'N';
constexpr char offer_word = 'K';
constexpr std::size_t kept_trees = 8;  // the server keeps the newest this many
constexpr int hello_timeout_ms = 1000;
// Launches of hpc versions that speak another protocol never meet (part of the name's hash).
constexpr char protocol[] = "2";
constexpr int ready_timeout_ms = 10000;  // a server stuck staging its own container
constexpr int meeting_attempts = 50;

// An abstract socket address: a name in the network namespace, not a file.
socklen_t address_of(const std::string& key, sockaddr_un& address) {
    std::memset(&address, 0, sizeof address);
    address.sun_family = AF_UNIX;
    std::size_t length = std::min(key.size(), sizeof address.sun_path - 1);
    std::memcpy(address.sun_path + 1, key.data(), length);
    return static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + 1 + length);
}

UniqueFd new_socket(int flags = 0) {
    UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | flags, 0));
    if (!fd) throw_errno("make a socket to share the image's server");
    return fd;
}

ucred peer_of(int connection) {
    ucred peer{};
    socklen_t size = sizeof peer;
    if (::getsockopt(connection, SOL_SOCKET, SO_PEERCRED, &peer, &size) != 0) peer.uid = static_cast<uid_t>(-1);
    return peer;
}

// Binds the name: whoever does first serves. Listens at once, or leaves that to the server.
std::optional<UniqueFd> claim(const std::string& key, bool listen) {
    sockaddr_un address{};
    socklen_t length = address_of(key, address);
    UniqueFd listener = new_socket();
    if (::bind(listener.get(), reinterpret_cast<sockaddr*>(&address), length) != 0) {
        if (errno == EADDRINUSE) return std::nullopt;
        throw_errno("bind the sharing socket");
    }
    if (listen && ::listen(listener.get(), 128) != 0) throw_errno("listen on the sharing socket");
    return listener;
}

// Why a launch goes private at once: the name follows from a stat of the image, which anyone
// who may read the image can make, and bind first.
Error held_by_another_user(uid_t owner) {
    return Error(ExitCode::unavailable,
                 "another user (uid " + std::to_string(owner) + ") holds the sharing name of this image");
}

// Connects `connection` (non-blocking) to the name of `key`. A name that refuses (bound, not
// listening) or has no room (a full backlog) is asked after its owner rather than waited for:
// another user's throws at once. False: no server, or one of this user's launches starting or
// going (try again).
bool connect_to_name(int connection, const std::string& key) {
    sockaddr_un address{};
    socklen_t length = address_of(key, address);
    if (::connect(connection, reinterpret_cast<sockaddr*>(&address), length) == 0) return true;
    int refused = errno;
    if (refused != ECONNREFUSED && refused != EAGAIN) return false;
    std::optional<uid_t> owner = abstract_socket_owner(key);
    if (owner && *owner != ::getuid()) throw held_by_another_user(*owner);
    if (refused == ECONNREFUSED) return false;  // no one, or a server between bind and listen
    // This user's server with more launches waiting than its backlog holds (it accepts once its
    // image is mounted): wait for room, as long as for its word.
    timeval patience{ready_timeout_ms / 1000, 0};
    if (::setsockopt(connection, SOL_SOCKET, SO_SNDTIMEO, &patience, sizeof patience) != 0) return false;
    int flags = ::fcntl(connection, F_GETFL);
    if (flags < 0 || ::fcntl(connection, F_SETFL, flags & ~O_NONBLOCK) != 0) return false;
    return ::connect(connection, reinterpret_cast<sockaddr*>(&address), length) == 0;
}

// A message of one byte with room for one descriptor (SCM_RIGHTS): each word of a join after
// the ready word, the joiner's standard error and the trees' mount namespaces riding on them.
struct DescriptorMessage {
    char byte = 0;
    iovec data{&byte, 1};
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
    msghdr header{};

    DescriptorMessage() {
        header.msg_iov = &data;
        header.msg_iovlen = 1;
        header.msg_control = control;
        header.msg_controllen = sizeof control;
    }
    DescriptorMessage(const DescriptorMessage&) = delete;
    DescriptorMessage& operator=(const DescriptorMessage&) = delete;
};

// Sends `word`, with `fd` when it is one (-1: none).
bool send_word(int connection, char word, int fd = -1) {
    DescriptorMessage message;
    message.byte = word;
    if (fd >= 0) {
        cmsghdr* rights = CMSG_FIRSTHDR(&message.header);
        rights->cmsg_level = SOL_SOCKET;
        rights->cmsg_type = SCM_RIGHTS;
        rights->cmsg_len = CMSG_LEN(sizeof(int));
        std::memcpy(CMSG_DATA(rights), &fd, sizeof fd);
    } else {
        message.header.msg_control = nullptr;
        message.header.msg_controllen = 0;
    }
    return ::sendmsg(connection, &message.header, MSG_NOSIGNAL) == 1;
}

struct Word {
    char byte = 0;
    UniqueFd fd;  // the descriptor that came with it, if one did
};

// The next word on `connection` within `timeout_ms`, and the descriptor that came with it;
// nullopt when none came (or the peer closed).
std::optional<Word> receive_word(int connection, int timeout_ms) {
    pollfd wait{connection, POLLIN, 0};
    if (::poll(&wait, 1, timeout_ms) != 1) return std::nullopt;
    DescriptorMessage message;
    if (::recvmsg(connection, &message.header, MSG_CMSG_CLOEXEC | MSG_DONTWAIT) != 1) return std::nullopt;
    Word word{message.byte, UniqueFd()};
    cmsghdr* rights = CMSG_FIRSTHDR(&message.header);
    if (rights && rights->cmsg_level == SOL_SOCKET && rights->cmsg_type == SCM_RIGHTS &&
        rights->cmsg_len == CMSG_LEN(sizeof(int))) {
        int fd = -1;
        std::memcpy(&fd, CMSG_DATA(rights), sizeof fd);
        word.fd.reset(fd);
    }
    return word;
}

// Exactly `size` bytes from `connection` into `buffer` within `timeout_ms` in all.
bool receive_bytes(int connection, char* buffer, std::size_t size, int timeout_ms) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    for (std::size_t got = 0; got < size;) {
        auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        pollfd wait{connection, POLLIN, 0};
        if (left.count() <= 0 || ::poll(&wait, 1, static_cast<int>(left.count())) != 1) return false;
        ssize_t read = ::recv(connection, buffer + got, size - got, MSG_DONTWAIT);
        if (read <= 0) return false;
        got += static_cast<std::size_t>(read);
    }
    return true;
}

// The joiner's hello: its standard error rides on the word, the length and bytes of its tree's
// key follow.
bool send_hello(int connection, const std::string& tree_key) {
    if (!send_word(connection, hello_word, STDERR_FILENO)) return false;
    auto length = static_cast<uint32_t>(tree_key.size());
    std::string rest(reinterpret_cast<const char*>(&length), sizeof length);
    rest += tree_key;
    return ::send(connection, rest.data(), rest.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(rest.size());
}

struct Hello {
    UniqueFd error_stream;
    std::string tree_key;
};

std::optional<Hello> receive_hello(int connection) {
    std::optional<Word> word = receive_word(connection, hello_timeout_ms);
    if (!word || word->byte != hello_word) return std::nullopt;
    uint32_t length = 0;
    if (!receive_bytes(connection, reinterpret_cast<char*>(&length), sizeof length, hello_timeout_ms) ||
        length > max_staged_tree_key)
        return std::nullopt;
    Hello hello{std::move(word->fd), std::string(length, '\0')};
    if (!receive_bytes(connection, hello.tree_key.data(), length, hello_timeout_ms)) return std::nullopt;
    return hello;
}

// Whether `fd` is a mount namespace owned by this process's user namespace: one a joiner of
// ours staged (it joined our user namespace first), which the next may enter after it.
bool is_our_mount_namespace(int fd) {
    if (::ioctl(fd, NS_GET_NSTYPE) != CLONE_NEWNS) return false;
    UniqueFd owner(::ioctl(fd, NS_GET_USERNS));
    struct stat theirs {}, ours {};
    return owner && ::fstat(owner.get(), &theirs) == 0 && ::stat("/proc/self/ns/user", &ours) == 0 &&
           theirs.st_dev == ours.st_dev && theirs.st_ino == ours.st_ino;
}

// Connects to the server of `key` and waits until it says its image is mounted. nullopt: no
// server, or one that went away meanwhile (try again). Nothing the peer says is read before
// its uid, from the kernel, is found to be ours.
std::optional<ShareGuest> try_join(const std::string& key, const std::string& tree_key) {
    ShareGuest guest;
    guest.connection = new_socket(SOCK_NONBLOCK);
    if (!connect_to_name(guest.connection.get(), key)) return std::nullopt;
    ucred peer = peer_of(guest.connection.get());
    if (peer.uid != ::getuid()) throw held_by_another_user(peer.uid);
    pollfd wait{guest.connection.get(), POLLIN, 0};
    if (::poll(&wait, 1, ready_timeout_ms) != 1) return std::nullopt;
    char word = 0;
    if (::read(guest.connection.get(), &word, 1) != 1 || word != ready_word) return std::nullopt;
    if (!send_hello(guest.connection.get(), tree_key)) return std::nullopt;
    std::optional<Word> answer = receive_word(guest.connection.get(), ready_timeout_ms);
    if (!answer || (answer->byte != tree_word && answer->byte != no_tree_word)) return std::nullopt;
    if (answer->byte == tree_word) guest.staged_tree = std::move(answer->fd);
    guest.offers_tree = answer->byte == no_tree_word && !tree_key.empty();
    std::string proc = "/proc/" + std::to_string(peer.pid) + "/ns/";
    guest.user_namespace.reset(::open((proc + "user").c_str(), O_RDONLY | O_CLOEXEC));
    guest.mount_namespace.reset(::open((proc + "mnt").c_str(), O_RDONLY | O_CLOEXEC));
    if (!guest.user_namespace || !guest.mount_namespace) return std::nullopt;
    // Still the server that answered (its pid not reused): its end of the connection is open.
    pollfd alive{guest.connection.get(), POLLRDHUP, 0};
    if (::poll(&alive, 1, 0) != 0) return std::nullopt;
    return guest;
}

// A launch that joined: followed by its process, not by its connection, which it closes when it
// execs its payload (launcher.hpp).
struct Joiner {
    UniqueFd connection;  // until the joiner offers its tree or closes it (it execs)
    UniqueFd process;  // a pidfd: readable once the process has ended
    UniqueFd error_stream;        // its standard error, for the server's word when it ends
    std::string tree_key;         // of the tree it stages, "" when none may be kept
    uint64_t failures_at_join = 0;
};

// Answers a connection: a joiner of this user's, followed from now on, or nullopt. Only this
// user's launches count: another user could not join, but holding its connection would keep
// this launcher waiting.
std::optional<Joiner> welcome(UniqueFd connection) {
    ucred peer = peer_of(connection.get());
    if (peer.uid != ::getuid()) return std::nullopt;
    // (Debian 12's <sys/pidfd.h> declares pidfd_open without C linkage: the system call, then.)
    Joiner joiner{std::move(connection), UniqueFd(static_cast<int>(::syscall(SYS_pidfd_open, peer.pid, 0))), UniqueFd(),
                  std::string(), 0};
    if (!joiner.process) return std::nullopt;
    // The joiner waits for the ready word before it can exec: a connection still open proves
    // that the pid was not freed and reused before the pidfd was taken.
    pollfd alive{joiner.connection.get(), POLLRDHUP, 0};
    if (::poll(&alive, 1, 0) != 0) return std::nullopt;
    if (::write(joiner.connection.get(), &ready_word, 1) != 1) return std::nullopt;
    // Sent at once after the word; the answer to it follows (ShareHost::State::answer).
    std::optional<Hello> hello = receive_hello(joiner.connection.get());
    if (!hello) return std::nullopt;
    joiner.error_stream = std::move(hello->error_stream);
    joiner.tree_key = std::move(hello->tree_key);
    return joiner;
}

}  // namespace

struct ShareHost::State {
    UniqueFd listener;
    UniqueFd wake_read, wake_write;  // wakes the thread when this launcher's payload is done
    std::thread thread;
    std::vector<Joiner> guests;
    std::chrono::milliseconds linger{0};
    std::vector<int> end_fds;
    std::function<void()> idle;
    std::function<uint64_t()> failures;
    std::function<std::string(uint64_t since)> warnings;
    // Trees joiners staged and offered, by key, the newest last (staged_tree_key.hpp).
    struct KeptTree {
        std::string key;
        UniqueFd mount_namespace;
    };
    std::deque<KeptTree> trees;

    // The joiner's answer to its hello: a kept tree of its key, or none (it stages its own).
    bool answer(const Joiner& guest) const {
        if (!guest.tree_key.empty())
            for (const KeptTree& tree : trees)
                if (tree.key == guest.tree_key)
                    return send_word(guest.connection.get(), tree_word, tree.mount_namespace.get());
        return send_word(guest.connection.get(), no_tree_word);
    }

    // A joiner's connection is readable: the tree it staged, offered, or its end (it exec'd).
    void hear(Joiner& guest) {
        std::optional<Word> word = receive_word(guest.connection.get(), 0);
        guest.connection.reset();  // nothing more is heard from it
        if (!word || word->byte != offer_word || !word->fd || guest.tree_key.empty() ||
            !is_our_mount_namespace(word->fd.get()))
            return;
        for (const KeptTree& tree : trees)
            if (tree.key == guest.tree_key) return;
        if (trees.size() == kept_trees) trees.pop_front();
        trees.push_back({std::move(guest.tree_key), std::move(word->fd)});
    }

    // A joiner's process has ended: what the server has to tell it.
    void farewell(const Joiner& guest) const {
        if (!warnings || !guest.error_stream) return;
        std::string said = warnings(guest.failures_at_join);
        if (!said.empty()) {
            ssize_t ignored = ::write(guest.error_stream.get(), said.data(), said.size());
            (void)ignored;
        }
    }

    // How long poll() may wait: until the linger is over (set while the server is idle), else for ever.
    static int timeout_ms(std::optional<std::chrono::steady_clock::time_point> until) {
        if (!until) return -1;
        auto left = std::chrono::ceil<std::chrono::milliseconds>(*until - std::chrono::steady_clock::now());
        return static_cast<int>(std::max<std::chrono::milliseconds::rep>(left.count(), 0));
    }

    // Accepts joiners and counts them until this launcher is done and the last has gone (and,
    // lingering, no new one has come for `linger`, or an end descriptor said to stop).
    void serve() {
        bool own_done = false;
        bool ending = false;
        std::optional<std::chrono::steady_clock::time_point> linger_until;
        for (;;) {
            if (own_done && guests.empty()) {
                if (!linger_until) {
                    if (idle) idle();
                    linger_until = std::chrono::steady_clock::now() + linger;
                }
                if (ending || std::chrono::steady_clock::now() >= *linger_until) {
                    listener.reset();  // the name is free: no one can join a server that is going
                    return;
                }
            } else {
                linger_until.reset();
            }
            std::vector<pollfd> fds{{listener.get(), POLLIN, 0}, {wake_read.get(), POLLIN, 0}};
            for (int fd : end_fds) fds.push_back({ending ? -1 : fd, POLLIN, 0});
            std::size_t first_guest = fds.size();
            for (const Joiner& guest : guests) fds.push_back({guest.process.get(), POLLIN, 0});
            std::size_t first_connection = fds.size();
            for (const Joiner& guest : guests) fds.push_back({guest.connection ? guest.connection.get() : -1, POLLIN, 0});
            if (::poll(fds.data(), fds.size(), timeout_ms(linger_until)) < 0) continue;  // EINTR
            // Before any joiner that ended is let go: its offer came before its end.
            for (std::size_t index = first_connection; index < fds.size(); ++index)
                if (fds[index].revents) hear(guests[index - first_connection]);
            if (fds[1].revents) {
                char word;
                ssize_t ignored = ::read(wake_read.get(), &word, 1);  // once: it stays done
                (void)ignored;
                own_done = true;
            }
            for (std::size_t index = 2; index < first_guest; ++index)
                if (fds[index].revents) {
                    ending = true;
                    listener.reset();  // no one new: those in finish
                }
            for (std::size_t index = first_connection; index-- > first_guest;)
                if (fds[index].revents) {
                    farewell(guests[index - first_guest]);
                    guests.erase(guests.begin() + static_cast<std::ptrdiff_t>(index - first_guest));
                }
            if (listener && (fds[0].revents & POLLIN)) {
                UniqueFd connection(::accept4(listener.get(), nullptr, nullptr, SOCK_CLOEXEC));
                if (!connection) continue;
                if (std::optional<Joiner> joiner = welcome(std::move(connection)); joiner && answer(*joiner)) {
                    if (failures) joiner->failures_at_join = failures();
                    guests.push_back(std::move(*joiner));
                }
            }
        }
    }
};

ShareHost::ShareHost(UniqueFd listener) : state_(std::make_unique<State>()) {
    state_->listener = std::move(listener);
    Pipe wake("waking the sharing thread");
    state_->wake_read = std::move(wake.read);
    state_->wake_write = std::move(wake.write);
}

ShareHost::ShareHost(ShareHost&&) noexcept = default;

ShareHost::~ShareHost() {
    if (state_) wait_for_last_user();
}

void ShareHost::linger_after_last(std::chrono::milliseconds linger, std::vector<int> end_fds,
                                  std::function<void()> idle) {
    state_->linger = linger;
    state_->end_fds = std::move(end_fds);
    state_->idle = std::move(idle);
}

void ShareHost::listen_here() {
    if (::listen(state_->listener.get(), 128) != 0) throw_errno("listen on the sharing socket");
}

void ShareHost::report_to_joiners(std::function<uint64_t()> failures,
                                  std::function<std::string(uint64_t since)> warnings) {
    state_->failures = std::move(failures);
    state_->warnings = std::move(warnings);
}

void ShareHost::keep_own_tree(const std::string& key) {
    if (key.empty()) return;
    // Through the host's /proc, which the staging root links at /proc (executor.hpp).
    UniqueFd own(::open("/proc/self/ns/mnt", O_RDONLY | O_CLOEXEC));
    if (own) state_->trees.push_back({key, std::move(own)});  // no thread reads them yet
}

void ShareHost::start_accepting() {
    state_->thread = std::thread([state = state_.get()] { state->serve(); });
}

void ShareHost::wait_for_last_user() {
    if (!state_->thread.joinable()) {
        state_->listener.reset();  // never served: waiting joiners see the name go and retry
        return;
    }
    char word = 1;
    ssize_t ignored = ::write(state_->wake_write.get(), &word, 1);
    (void)ignored;
    state_->thread.join();
}

std::string meeting_name(uid_t uid, const std::string& image_identity, const LaunchPlan& plan) {
    std::string maps;
    for (const auto* table : {&plan.uid_map, &plan.gid_map})
        for (const IdMap& map : *table)
            maps += std::to_string(map.inside) + ":" + std::to_string(map.outside) + ":" + std::to_string(map.count) + ",";
    // The image files mounted beside the root, which joiners find at the server's staged_images.
    std::string images;
    for (const ImageMount& image : plan.images) images += image.identity + "@" + std::to_string(image.offset) + ",";
    char hash[24];
    std::snprintf(hash, sizeof hash, "%zx",
                  std::hash<std::string>{}(std::string(protocol) + "/" + maps + plan.share_scope + "/" + images + "/" +
                                           plan.host_mounts));
    return "hpc/" + std::to_string(uid) + "/" + image_identity + "/" + hash;
}

ShareRole meet_launches_of(const std::string& image_identity, const LaunchPlan& plan) {
    // A lingering server is forked by its claimer, and listens itself.
    return meet(meeting_name(::getuid(), image_identity, plan), plan.share_linger_seconds == 0,
                [&plan] { return staged_tree_key(plan); });
}

ShareRole meet(const std::string& key, bool listen, const std::function<std::string()>& tree_key_of) {
    std::optional<std::string> tree_key;  // looked up once, and only by a launch that joins
    for (int attempt = 0; attempt < meeting_attempts; ++attempt) {
        if (std::optional<UniqueFd> listener = claim(key, listen)) return ShareHost(std::move(*listener));
        if (!tree_key) tree_key = tree_key_of ? tree_key_of() : std::string();
        if (std::optional<ShareGuest> guest = try_join(key, *tree_key)) return std::move(*guest);
        ::usleep(2000u << std::min(attempt, 5));  // a server starting or going: try again
    }
    throw Error(ExitCode::unavailable, "no server for this image could be met or started under the name @" + key + " in " +
                                           std::to_string(meeting_attempts) +
                                           " tries: its holder neither let this launch join nor gave the name up");
}

bool enter_staged_tree(const ShareGuest& guest) {
    if (!guest.staged_tree) return false;
    if (::setns(guest.user_namespace.get(), CLONE_NEWUSER) != 0) throw_errno("join the image server's user namespace");
    if (::setns(guest.staged_tree.get(), CLONE_NEWNS) != 0) throw_errno("enter the container tree the image's server kept");
    return true;
}

void offer_staged_tree(const ShareGuest& guest) {
    if (!guest.offers_tree) return;
    // Through the host's /proc, which the staging root links at /proc (executor.hpp).
    UniqueFd own(::open("/proc/self/ns/mnt", O_RDONLY | O_CLOEXEC));
    if (own) (void)send_word(guest.connection.get(), offer_word, own.get());  // none kept: the next stages its own
}

void enter_shared(const ShareGuest& guest) {
    if (::setns(guest.user_namespace.get(), CLONE_NEWUSER) != 0) throw_errno("join the image server's user namespace");
    if (::setns(guest.mount_namespace.get(), CLONE_NEWNS) != 0) throw_errno("join the image server's mount namespace");
    if (::unshare(CLONE_NEWNS) != 0) throw_errno("unshare a mount namespace");
    make_mounts_private();
}

}  // namespace hpc::sandbox
