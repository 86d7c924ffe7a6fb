// Meeting the other launches of an image (node_share.hpp): the first serves, the next joins
// once the server is ready, and a server that goes before serving leaves the name to the next.
#include "sandbox/node_share.hpp"

#include <catch2/catch.hpp>

#include <linux/close_range.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
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

int exit_code(pid_t child) {
    int status = 0;
    ::waitpid(child, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

}  // namespace

TEST_CASE("node share: the first serves; the next joins once the server is ready", "[node_share]") {
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
    CHECK(name.size() < sizeof(sockaddr_un{}.sun_path));  // an abstract socket name, whole
}
