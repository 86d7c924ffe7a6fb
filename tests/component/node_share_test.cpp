// Meeting the other launches of an image (node_share.hpp): the first serves, the next joins
// once the server is ready, and a server that goes before serving leaves the name to the next.
#include "sandbox/run/node_share.hpp"

#include <catch2/catch.hpp>

#include <linux/close_range.h>
#include <sched.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <functional>
#include <optional>
#include <string>
#include <thread>

using namespace hpc::sandbox;

namespace {

std::string unique_key(const char* what) {
    return std::string("hpc-test/") + std::to_string(::getpid()) + "/" + what;
}

// meet() in a child process: 0 when it joined, 1 when it became the server, 2 on an error.
pid_t meet_in_child(const std::string& key) {
    pid_t child = ::fork();
    if (child == 0) {
        // A launch of its own: none of the parent's descriptors (its listening socket above all).
        ::close_range(3, ~0u, 0);
        try {
            ShareRole role = meet(key);
            ::_exit(std::holds_alternative<ShareGuest>(role) ? 0 : 1);
        } catch (...) {
            ::_exit(2);
        }
    }
    return child;
}

// How another user squats a meeting name: bound and never listening, or listening with a full
// backlog and never accepting (a connect to it would wait for room).
enum class Squat { bound, listening_full };

constexpr uid_t other_user = 65534;  // nobody

// A process of another user that runs `hold` (which takes what the test needs it to hold), says
// so, and keeps it until it is killed. A failure in `hold` ends the process and the test sees it.
pid_t hold_as_other_user(const std::function<bool()>& hold) {
    int ready[2];
    REQUIRE(::pipe(ready) == 0);
    pid_t child = ::fork();
    if (child == 0) {
        ::close(ready[0]);
        if (::setgid(other_user) != 0 || ::setuid(other_user) != 0 || !hold()) ::_exit(1);
        if (::write(ready[1], "!", 1) != 1) ::_exit(1);
        ::pause();
        ::_exit(0);
    }
    ::close(ready[1]);
    char word = 0;
    CHECK(::read(ready[0], &word, 1) == 1);
    ::close(ready[0]);
    return child;
}

// Another user's process that holds `key` as `how` says, until it is killed.
pid_t squat_as_other_user(const std::string& key, Squat how) {
    return hold_as_other_user([&] {
        sockaddr_un address{};
        address.sun_family = AF_UNIX;
        std::memcpy(address.sun_path + 1, key.data(), key.size());  // abstract, as node_share.cpp names it
        auto length = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + 1 + key.size());
        int squatter = ::socket(AF_UNIX, SOCK_STREAM, 0);
        if (::bind(squatter, reinterpret_cast<sockaddr*>(&address), length) != 0) return false;
        if (how == Squat::bound) return true;
        // A backlog of 0 holds one connection: its own fills it.
        int filler = ::socket(AF_UNIX, SOCK_STREAM, 0);
        return ::listen(squatter, 0) == 0 && ::connect(filler, reinterpret_cast<sockaddr*>(&address), length) == 0;
    });
}

// meet() in a child process, waited for at most 5 s (then killed): what came of it and when.
struct Meeting {
    int outcome = -1;  // 0 joined, 1 served, 2 failed (see message), -1 killed after 5 s
    std::string message;
    std::chrono::milliseconds took{};
};

Meeting meet_in_child_timed(const std::string& key) {
    int said[2];
    REQUIRE(::pipe(said) == 0);
    auto start = std::chrono::steady_clock::now();
    pid_t child = ::fork();
    if (child == 0) {
        ::close(said[0]);
        int code = 2;
        std::string message;
        try {
            ShareRole role = meet(key);
            code = std::holds_alternative<ShareGuest>(role) ? 0 : 1;
        } catch (const std::exception& error) {
            message = error.what();
        }
        ssize_t ignored = ::write(said[1], message.data(), message.size());
        (void)ignored;
        ::_exit(code);
    }
    ::close(said[1]);
    Meeting meeting;
    int status = 0;
    while (::waitpid(child, &status, WNOHANG) == 0) {
        if (std::chrono::steady_clock::now() - start > std::chrono::seconds(5)) {
            ::kill(child, SIGKILL);
            ::waitpid(child, &status, 0);
            break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    meeting.took = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start);
    if (WIFEXITED(status)) meeting.outcome = WEXITSTATUS(status);
    char text[512];
    ssize_t length = ::read(said[0], text, sizeof text);
    if (length > 0) meeting.message.assign(text, static_cast<std::size_t>(length));
    ::close(said[0]);
    return meeting;
}

// What a joiner found: the inode of the tree the server kept for its key (0: none), whether it
// was asked for its own, and the inode of the mount namespace it then offered (0: none).
struct JoinReport {
    uint64_t kept_tree = 0;
    bool offers = false;
    uint64_t offered = 0;
};

uint64_t inode_of(int fd) {
    struct stat status {};
    return ::fstat(fd, &status) == 0 ? status.st_ino : 0;
}

// A launch that joins with `tree_key` in a child; one asked for its tree unshares
// `unshare_flags` (none: it offers nothing) and offers its new mount namespace.
JoinReport join_in_child(const std::string& key, const std::string& tree_key, int unshare_flags) {
    int said[2];
    REQUIRE(::pipe(said) == 0);
    pid_t child = ::fork();
    if (child == 0) {
        // A launch of its own: none of the parent's descriptors but the report's, at 3.
        if (::dup2(said[1], 3) != 3) ::_exit(2);
        ::close_range(4, ~0u, 0);
        try {
            ShareRole role = meet(key, true, [&] { return tree_key; });
            ShareGuest& guest = std::get<ShareGuest>(role);
            JoinReport report;
            if (guest.staged_tree) report.kept_tree = inode_of(guest.staged_tree.get());
            report.offers = guest.offers_tree;
            if (report.offers && unshare_flags != 0) {
                if (::unshare(unshare_flags) != 0) ::_exit(2);
                struct stat own {};
                if (::stat("/proc/self/ns/mnt", &own) != 0) ::_exit(2);
                report.offered = own.st_ino;
                offer_staged_tree(guest);
            }
            ::_exit(::write(3, &report, sizeof report) == sizeof report ? 0 : 2);
        } catch (...) {
            ::_exit(2);
        }
    }
    ::close(said[1]);
    JoinReport report;
    CHECK(::read(said[0], &report, sizeof report) == sizeof report);
    ::close(said[0]);
    int status = 0;
    ::waitpid(child, &status, 0);
    CHECK(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 0);
    return report;
}

int exit_code(pid_t child) {
    int status = 0;
    ::waitpid(child, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

}  // namespace

TEST_CASE("node share: the first serves, the next joins once the server is ready", "[node_share]") {
    std::string key = unique_key("ready");
    ShareRole first = meet(key);
    REQUIRE(std::holds_alternative<ShareHost>(first));
    // Not accepting yet (its image is not mounted): a joiner waits for the word.
    pid_t joiner = meet_in_child(key);
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    int status = 0;
    CHECK(::waitpid(joiner, &status, WNOHANG) == 0);
    std::get<ShareHost>(first).start_accepting();
    CHECK(exit_code(joiner) == 0);
    std::get<ShareHost>(first).wait_for_last_user();  // the joiner has gone: returns
}

TEST_CASE("node share: a server that goes without serving leaves the name to the next launch", "[node_share]") {
    std::string key = unique_key("gone");
    std::optional<ShareRole> first(meet(key));
    REQUIRE(std::holds_alternative<ShareHost>(*first));
    pid_t next = meet_in_child(key);
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    first.reset();  // never accepted: the waiting launch sees the name go and serves itself
    CHECK(exit_code(next) == 1);
}

TEST_CASE("node share: the server waits for a joiner's process, not for its connection", "[node_share]") {
    std::string key = unique_key("last");
    ShareRole first = meet(key);
    ShareHost& host = std::get<ShareHost>(first);
    host.start_accepting();
    pid_t joiner = ::fork();
    if (joiner == 0) {
        ::close_range(3, ~0u, 0);
        try {
            ShareRole role = meet(key);
            std::get<ShareGuest>(role).connection.reset();  // as its exec of the payload closes it
            ::usleep(300000);                               // the payload runs
            ::_exit(0);
        } catch (...) {
            ::_exit(2);
        }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));  // it has joined, and closed
    auto start = std::chrono::steady_clock::now();
    host.wait_for_last_user();
    CHECK(std::chrono::steady_clock::now() - start >= std::chrono::milliseconds(100));
    CHECK(exit_code(joiner) == 0);
    // And with the name released, a new launch serves.
    CHECK(std::holds_alternative<ShareHost>(meet(key)));
}

TEST_CASE("node share: one name per user, image file and id maps", "[node_share]") {
    LaunchPlan own;
    own.uid_map = {{1001, 1001, 1}};
    own.gid_map = {{1001, 1001, 1}};
    LaunchPlan fakeroot;
    fakeroot.uid_map = {{0, 1001, 1}, {1, 100000, 65536}};
    fakeroot.gid_map = {{0, 1001, 1}, {1, 100000, 65536}};
    std::string name = meeting_name(1001, "803:1a2b:5000:65f0.0", own);
    CHECK(name.rfind("hpc/1001/803:1a2b:5000:65f0.0/", 0) == 0);
    CHECK(name == meeting_name(1001, "803:1a2b:5000:65f0.0", own));
    CHECK(name != meeting_name(1002, "803:1a2b:5000:65f0.0", own));       // another user
    CHECK(name != meeting_name(1001, "803:1a2b:5001:65f0.0", own));       // the file changed
    CHECK(name != meeting_name(1001, "803:1a2b:5000:65f0.0", fakeroot));  // other id maps
    LaunchPlan data = own;
    data.images.emplace_back();
    data.images.front().identity = "803:77:1000:65f0.0";
    CHECK(name != meeting_name(1001, "803:1a2b:5000:65f0.0", data));  // an image bind's file beside it
    LaunchPlan other_partition = data;
    other_partition.images.front().offset = 4096;
    CHECK(meeting_name(1001, "803:1a2b:5000:65f0.0", data) !=
          meeting_name(1001, "803:1a2b:5000:65f0.0", other_partition));
    CHECK(name.size() < sizeof(sockaddr_un{}.sun_path));  // an abstract socket name, whole
}

TEST_CASE("node share: a name another user holds is found at once, and the launch goes private", "[node_share]") {
    if (::geteuid() != 0) {
        WARN("SKIPPED: needs root, to hold the name as another user (uid " << other_user << ")");
        return;
    }
    for (Squat how : {Squat::bound, Squat::listening_full}) {
        const char* what = how == Squat::bound ? "bound, not listening" : "listening, backlog full";
        INFO("the other user's socket: " << what);
        std::string key = unique_key(how == Squat::bound ? "squat-bound" : "squat-full");
        pid_t squatter = squat_as_other_user(key, how);
        Meeting meeting = meet_in_child_timed(key);
        ::kill(squatter, SIGKILL);
        ::waitpid(squatter, nullptr, 0);
        CHECK(meeting.outcome == 2);
        CHECK(meeting.took < std::chrono::milliseconds(100));
        CHECK(meeting.message == "another user (uid 65534) holds the sharing name of this image");
    }
}

TEST_CASE("node share: another user's listening server is told apart before anything it says", "[node_share]") {
    if (::geteuid() != 0) {
        WARN("SKIPPED: needs root, to serve the name as another user (uid " << other_user << ")");
        return;
    }
    std::string key = unique_key("other-server");
    std::optional<ShareRole> role;  // in the other user's process: held until it is killed
    pid_t server = hold_as_other_user([&] {
        try {
            role.emplace(meet(key));  // it serves, and says "ready" to whoever connects
            std::get<ShareHost>(*role).start_accepting();
            return true;
        } catch (...) {
            return false;
        }
    });
    Meeting meeting = meet_in_child_timed(key);
    ::kill(server, SIGKILL);
    ::waitpid(server, nullptr, 0);
    CHECK(meeting.outcome == 2);
    CHECK(meeting.took < std::chrono::milliseconds(100));
    CHECK(meeting.message == "another user (uid 65534) holds the sharing name of this image");
}

TEST_CASE("node share: a tree a joiner staged is kept for the next launch of its key, and no other", "[node_share]") {
    if (::geteuid() != 0) {
        WARN("SKIPPED: needs root, to make mount namespaces in the server's user namespace");
        return;
    }
    std::string key = unique_key("trees");
    ShareRole first = meet(key);
    ShareHost& host = std::get<ShareHost>(first);
    host.start_accepting();

    JoinReport staging = join_in_child(key, "tree one", CLONE_NEWNS);
    CHECK(staging.kept_tree == 0);
    CHECK(staging.offers);
    REQUIRE(staging.offered != 0);

    JoinReport same = join_in_child(key, "tree one", 0);
    CHECK(same.kept_tree == staging.offered);  // the very namespace the first one staged
    CHECK_FALSE(same.offers);                  // it stages nothing, so it has nothing to offer

    JoinReport other = join_in_child(key, "tree two", 0);
    CHECK(other.kept_tree == 0);
    CHECK(other.offers);

    JoinReport none = join_in_child(key, "", 0);  // a tree that may not be kept
    CHECK(none.kept_tree == 0);
    CHECK_FALSE(none.offers);

    // A mount namespace of another user namespace (not the server's) is not kept: a later
    // launch could not enter it from the server's.
    JoinReport foreign = join_in_child(key, "tree three", CLONE_NEWUSER | CLONE_NEWNS);
    CHECK(foreign.offered != 0);
    CHECK(join_in_child(key, "tree three", 0).kept_tree == 0);

    host.wait_for_last_user();
}

TEST_CASE("node share: the serving launcher's own tree is kept for joiners of its key", "[node_share]") {
    std::string key = unique_key("own tree");
    ShareRole first = meet(key);
    ShareHost& host = std::get<ShareHost>(first);
    host.keep_own_tree("tree one");  // this process's mount namespace, staged as the server's launch is
    host.start_accepting();
    struct stat own {};
    REQUIRE(::stat("/proc/self/ns/mnt", &own) == 0);

    JoinReport same = join_in_child(key, "tree one", 0);
    CHECK(same.kept_tree == own.st_ino);
    CHECK_FALSE(same.offers);

    JoinReport other = join_in_child(key, "tree two", 0);
    CHECK(other.kept_tree == 0);
    CHECK(other.offers);
    JoinReport none = join_in_child(key, "", 0);
    CHECK(none.kept_tree == 0);
    host.wait_for_last_user();
}
