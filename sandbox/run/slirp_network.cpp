#include "sandbox/run/slirp_network.hpp"

#include "common/error.hpp"
#include "common/pipe.hpp"
#include "common/read_to_end.hpp"
#include "common/text.hpp"
#include "sandbox/run/find_program.hpp"
#include "sandbox/run/mount_ops.hpp"
#include "sandbox/run/supervisor.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include <cerrno>
#include <cstring>
#include <optional>
#include <vector>

namespace hpc::sandbox {
namespace {

constexpr char program[] = "slirp4netns";
constexpr int ready_timeout_ms = 10000;
// Where slirp4netns's API socket lives while ports are forwarded: a tmpfs of our own on /tmp,
// in the launcher's mount namespace, unmounted once the ports are (the staging tmpfs goes on
// /tmp later: executor.cpp). slirp4netns cannot bind an abstract name (api.c copies the path
// into sun_path as it is), so a file it must be, but on no file system the host sees.
constexpr char api_directory[] = "/tmp";
constexpr char api_socket[] = "/tmp/slirp4netns-api.sock";

// slirp4netns where the user's PATH finds it (it needs no privilege: a user may bring their own).
std::string find_slirp() {
    if (std::optional<std::string> found = find_program(program)) return *found;
    throw Error(ExitCode::unavailable,
                "--network slirp: slirp4netns is not installed (Debian package slirp4netns) or not on PATH");
}

// What slirp4netns said, its last line first: it explains a failure there.
std::string last_words(int output) {
    std::string text(4096, '\0');
    ssize_t length = ::pread(output, text.data(), text.size(), 0);
    text.resize(length > 0 ? static_cast<std::size_t>(length) : 0);
    text.resize(trim_end(text, "\n ").size());
    std::size_t line = text.rfind('\n');
    return line == std::string::npos ? text : text.substr(line + 1);
}

std::string describe(const PortMap& map) {
    return "portmap=" + std::to_string(map.host_port) + ":" + std::to_string(map.container_port) + "/" + map.protocol;
}

// One request to slirp4netns's API socket (one JSON object per connection), its answer parsed.
nlohmann::json ask(const std::string& socket_path, const nlohmann::json& request) {
    UniqueFd connection(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (!connection) throw_errno("make a socket to reach slirp4netns's API");
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::strncpy(address.sun_path, socket_path.c_str(), sizeof address.sun_path - 1);
    if (::connect(connection.get(), reinterpret_cast<sockaddr*>(&address), sizeof address) != 0)
        throw_errno("connect to slirp4netns's API socket");
    std::string text = request.dump();
    if (::write(connection.get(), text.data(), text.size()) != static_cast<ssize_t>(text.size()))
        throw_errno("write to slirp4netns's API socket");
    ::shutdown(connection.get(), SHUT_WR);
    // An answer is one small JSON object: a larger one is none slirp4netns gives.
    constexpr std::size_t max_answer_bytes = 64 * 1024;
    BoundedRead answer = read_to_end(connection.get(), max_answer_bytes);
    if (answer.too_large) return nlohmann::json(nlohmann::json::value_t::discarded);
    return nlohmann::json::parse(answer.bytes, nullptr, false);
}

}  // namespace

SlirpNetwork::SlirpNetwork(const NetworkPlan& plan) : plan_(plan) {
    std::string executable = find_slirp();
    pid_t target = ::getpid();  // this launcher, in the network namespace it is about to make
    Pipe go("starting slirp4netns"), ready("slirp4netns's ready signal"), exit("slirp4netns's exit signal");
    output_.reset(::memfd_create("slirp4netns-output", MFD_CLOEXEC));
    if (!output_) throw_errno("make a memory file for slirp4netns's output");
    std::vector<std::string> argv{executable, "--configure", "--mtu=65520", "--disable-host-loopback",
                                  "--enable-sandbox", "--enable-seccomp",
                                  "--ready-fd=" + std::to_string(ready.write.get()),
                                  "--exit-fd=" + std::to_string(exit.read.get())};
    if (!plan_.port_maps.empty())
        // The socket is made in this launcher's own mount namespace (start() mounts its tmpfs
        // there first), reached through our root as /proc shows it to slirp4netns: nothing of it
        // is on the host's disk, and it goes with the namespace, however the launch ends.
        argv.push_back("--api-socket=/proc/" + std::to_string(target) + "/root" + api_socket);
    argv.push_back(std::to_string(target));
    argv.push_back("tap0");
    std::vector<char*> pointers;
    for (std::string& word : argv) pointers.push_back(word.data());
    pointers.push_back(nullptr);

    pid_ = ::fork();
    if (pid_ < 0) throw_errno("fork for slirp4netns");
    if (pid_ == 0) {
        ::prctl(PR_SET_PDEATHSIG, SIGKILL);
        go.write.reset();
        char word = 0;
        if (::read(go.read.get(), &word, 1) != 1) ::_exit(1);  // the launch failed before
        release_signals();
        // Only these cross the exec: the two pipe ends it is told about, and its output.
        ::fcntl(ready.write.get(), F_SETFD, 0);
        ::fcntl(exit.read.get(), F_SETFD, 0);
        ::dup2(output_.get(), STDOUT_FILENO);
        ::dup2(output_.get(), STDERR_FILENO);
        ::execv(pointers[0], pointers.data());
        ::_exit(127);
    }
    go_ = std::move(go.write);
    ready_ = std::move(ready.read);
    exit_ = std::move(exit.write);
}

SlirpNetwork::~SlirpNetwork() {
    remove_api_socket();
    if (pid_ <= 0) return;
    if (!started_) {
        go_.reset();  // no word: it exits without running slirp4netns
    } else if (::waitpid(pid_, nullptr, WNOHANG) == 0) {
        // Still running (a launch that failed, or one whose supervisor leaves children be):
        // our unreaped child, so the pid is still its own.
        ::kill(pid_, SIGKILL);
    } else {
        return;  // reaped, by us now or by the supervisor before
    }
    ::waitpid(pid_, nullptr, 0);
}

void SlirpNetwork::start() {
    if (!plan_.port_maps.empty()) {
        make_mounts_private();  // the tmpfs must not show on the host's /tmp
        mount_tmpfs(api_directory, "mode=0700");
        api_mounted_ = true;
    }
    char word = 1;
    if (::write(go_.get(), &word, 1) != 1) throw_errno("start slirp4netns");
    started_ = true;
    pollfd ready{ready_.get(), POLLIN, 0};
    int answered = 0;
    while ((answered = ::poll(&ready, 1, ready_timeout_ms)) < 0 && errno == EINTR) {
    }
    char state = 0;
    if (answered != 1 || ::read(ready_.get(), &state, 1) != 1 || state != '1') {
        ::kill(pid_, SIGKILL);
        std::string words = last_words(output_.get());
        throw Error(ExitCode::unavailable,
                    "--network slirp: slirp4netns " + std::string(answered == 1 ? "failed" : "did not start in 10 s") +
                        (words.empty() ? "" : ": " + words));
    }
    forward_ports();
    remove_api_socket();  // slirp4netns goes on listening on the unlinked socket: harmless
}

void SlirpNetwork::remove_api_socket() noexcept {
    if (!api_mounted_) return;
    ::umount2(api_directory, MNT_DETACH);
    api_mounted_ = false;
}

void SlirpNetwork::forward_ports() {
    for (const PortMap& map : plan_.port_maps) {
        nlohmann::json request = {{"execute", "add_hostfwd"},
                                  {"arguments",
                                   {{"proto", map.protocol},
                                    {"host_addr", "0.0.0.0"},
                                    {"host_port", map.host_port},
                                    {"guest_port", map.container_port}}}};
        nlohmann::json answer = ask(api_socket, request);
        if (answer.is_discarded() || !answer.contains("return")) {
            std::string why = "no answer";
            if (answer.is_object() && answer.contains("error"))
                why = answer["error"].is_object() && answer["error"].contains("desc") ? answer["error"]["desc"].dump()
                                                                                      : answer["error"].dump();
            throw Error(ExitCode::unavailable, "--network-args " + describe(map) + ": slirp4netns refused (" + why +
                                                   "): is host port " + std::to_string(map.host_port) + " taken?");
        }
    }
}

}  // namespace hpc::sandbox
