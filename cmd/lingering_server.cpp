#include "cmd/lingering_server.hpp"

#include "cmd/launch_servers.hpp"
#include "common/error.hpp"
#include "common/pipe.hpp"
#include "launch/image_watch.hpp"
#include "sandbox/run/launcher.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <vector>

namespace hpc::cmd {
namespace {

// Leaves the caller: a session of its own (no terminal, out of the caller's process group),
// /dev/null on the standard streams, none of the descriptors the caller gave hpc (those without
// close-on-exec: hpc opens every one of its own with it), and / as the working directory.
void let_go_of_the_caller() {
    if (::setsid() < 0) throw_errno("start a session for the lingering server");
    UniqueFd null(::open("/dev/null", O_RDWR | O_CLOEXEC));
    if (!null) throw_errno("open /dev/null");
    for (int stream : {STDIN_FILENO, STDOUT_FILENO, STDERR_FILENO})
        if (::dup2(null.get(), stream) < 0) throw_errno("give the lingering server /dev/null");
    std::vector<int> inherited;
    if (DIR* listing = ::opendir("/proc/self/fd")) {
        while (const dirent* entry = ::readdir(listing)) {
            int fd = std::atoi(entry->d_name);
            if (fd > STDERR_FILENO && fd != ::dirfd(listing) && (::fcntl(fd, F_GETFD) & FD_CLOEXEC) == 0)
                inherited.push_back(fd);
        }
        ::closedir(listing);
    }
    for (int fd : inherited) ::close(fd);
    if (::chdir("/") != 0) throw_errno("leave the caller's working directory");
}

[[noreturn]] void serve(sandbox::ShareHost& host, const image::ImageFile& image, const launch::ImageFiles& files,
                        const sandbox::LaunchPlan& plan, UniqueFd listening) noexcept {
    int status = 0;
    try {
        let_go_of_the_caller();
        host.listen_here();
        listening.reset();  // the caller goes on, and joins this process as the others do
        UniqueFd image_changed = launch::watch_image_file(image.fd());
        LaunchServers servers(image, files, plan);
        sandbox::ExecutorHooks hooks;
        servers.attach(hooks);
        host.report_to_joiners([&servers] { return servers.failed_reads(); },
                               [&servers](uint64_t since) { return servers.failed_reads_lines(since); });
        status = sandbox::serve_lingering(plan, hooks, host, std::chrono::seconds(plan.share_linger_seconds),
                                          {image_changed.get()});
    } catch (const Error& error) {
        status = static_cast<int>(error.code());
    } catch (...) {
        status = static_cast<int>(ExitCode::software);
    }
    ::_exit(status);
}

}  // namespace

void start_lingering_server(sandbox::ShareHost& host, const image::ImageFile& image, const launch::ImageFiles& files,
                            const sandbox::LaunchPlan& plan) {
    // Closed (with nothing written) once the server listens as itself, or has ended.
    Pipe listening("the lingering server's start");
    pid_t intermediate = ::fork();
    if (intermediate < 0) throw_errno("fork the image's lingering server");
    if (intermediate == 0) {
        pid_t server = ::fork();
        if (server == 0) {
            listening.read.reset();
            serve(host, image, files, plan, std::move(listening.write));
        }
        listening.write.reset();
        char ignored;
        while (::read(listening.read.get(), &ignored, 1) < 0 && errno == EINTR) {
        }
        ::_exit(server < 0 ? 1 : 0);  // the server, if any, is adopted by init or a subreaper
    }
    listening.write.reset();
    while (::waitpid(intermediate, nullptr, 0) < 0 && errno == EINTR) {
    }
}

}  // namespace hpc::cmd
