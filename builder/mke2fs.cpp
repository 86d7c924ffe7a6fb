#include "builder/mke2fs.hpp"

#include "common/error.hpp"
#include "common/pipe.hpp"
#include "common/printable.hpp"
#include "common/read_to_end.hpp"
#include "common/text.hpp"
#include "sandbox/run/namespaces.hpp"
#include "sandbox/run/supervisor.hpp"

#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <vector>

namespace hpc::builder {
namespace {

// What mke2fs says is a line or two; more is cut, and the pipe closed on it.
constexpr std::size_t max_output_bytes = 64 << 10;
constexpr std::size_t max_report_bytes = 4096;

bool is_executable_file(const std::string& path) {
    struct stat status {};
    return ::stat(path.c_str(), &status) == 0 && S_ISREG(status.st_mode) && ::access(path.c_str(), X_OK) == 0;
}

// What mke2fs said, as one line of an error message (the names it quotes may hold anything).
std::string one_line(std::string_view text) {
    std::string line;
    for (std::string_view part : split_lines(text)) {
        part = trim(part);
        if (part.empty()) continue;
        line += (line.empty() ? "" : "; ") + printable(part);
    }
    return line;
}

std::vector<char*> c_strings(std::vector<std::string>& strings) {
    std::vector<char*> pointers;
    for (std::string& text : strings) pointers.push_back(text.data());
    pointers.push_back(nullptr);
    return pointers;
}

// In the child: its own failure, before mke2fs runs, reported to the parent as "CODE MESSAGE".
[[noreturn]] void report_and_exit(int report_fd, const Error& error) {
    std::string report = std::to_string(static_cast<int>(error.code())) + " " + error.what();
    if (::write(report_fd, report.data(), report.size()) < 0) {
        // Nothing more can be said: the exit status says it failed.
    }
    ::_exit(127);
}

int wait_for(pid_t child) {
    int status = 0;
    while (::waitpid(child, &status, 0) < 0)
        if (errno != EINTR) throw_errno("wait for mke2fs");
    return status;
}

}  // namespace

std::string find_mke2fs(const std::string& path_variable, const std::vector<std::string>& system_directories) {
    std::vector<std::string> directories;
    std::string_view rest = path_variable;
    while (!rest.empty()) {
        std::size_t colon = rest.find(':');
        std::string_view directory = rest.substr(0, colon);
        // An empty entry is the working directory for a shell; hpc runs no program from there.
        if (!directory.empty() && directory.front() == '/') directories.emplace_back(directory);
        rest = colon == std::string_view::npos ? std::string_view() : rest.substr(colon + 1);
    }
    directories.insert(directories.end(), system_directories.begin(), system_directories.end());
    for (const std::string& directory : directories)
        if (std::string path = directory + "/mke2fs"; is_executable_file(path)) return path;
    std::string searched = "PATH";
    for (const std::string& directory : system_directories) searched += ", " + directory;
    throw Error(ExitCode::unavailable,
                "mke2fs not found (in " + searched + "): install e2fsprogs to make ext3 overlay images");
}

std::string run_mke2fs(const Mke2fsRun& run) {
    const uint32_t uid = ::getuid(), gid = ::getgid();
    // The file system's own root is the user's too (root's with --fakeroot), as upper/ and work/
    // are: mke2fs 1.47.0 makes it root's whatever -d's directory is, and a run could then make
    // nothing beside them.
    std::string extended = "root_owner=" + (run.as_root ? std::string("0:0") : std::to_string(uid) + ":" + std::to_string(gid));
    if (run.keep_allocated) extended += ",nodiscard";
    std::vector<std::string> argv{run.program, "-t", "ext3", "-q", "-F", "-E", extended, "-d", run.source_directory,
                                  run.image};
    std::vector<char*> arguments = c_strings(argv);

    Pipe output("mke2fs's messages");
    Pipe report("the start of mke2fs");
    pid_t child = ::fork();
    if (child < 0) throw_errno("fork to run mke2fs");
    if (child == 0) {
        try {
            if (run.as_root) sandbox::enter_user_namespace({{0, uid, 1}}, {{0, gid, 1}});
            sandbox::release_signals();
            if (::dup2(output.write.get(), STDOUT_FILENO) < 0 || ::dup2(output.write.get(), STDERR_FILENO) < 0)
                throw_errno("redirect mke2fs's output");
            ::execv(arguments[0], arguments.data());
            throw_errno("run " + run.program);
        } catch (const Error& error) {
            report_and_exit(report.write.get(), error);
        }
    }
    output.write.reset();
    report.write.reset();
    BoundedRead said = read_to_end(output.read.get(), max_output_bytes);
    output.read.reset();  // a mke2fs still writing gets EPIPE rather than blocking
    BoundedRead failure = read_to_end(report.read.get(), max_report_bytes);
    int status = wait_for(child);

    // A terminal's ^C reaches mke2fs too; a kill(2) of hpc alone is seen once mke2fs is done.
    if (sandbox::pending_stop_signal() != 0) throw Error(ExitCode::interrupted, "mke2fs was interrupted");
    if (!failure.bytes.empty()) {
        std::size_t space = failure.bytes.find(' ');
        int code = std::atoi(failure.bytes.substr(0, space).c_str());
        std::string message = space == std::string::npos ? failure.bytes : failure.bytes.substr(space + 1);
        throw Error(code > 0 ? static_cast<ExitCode>(code) : ExitCode::software, message);
    }
    if (WIFSIGNALED(status) &&
        (WTERMSIG(status) == SIGINT || WTERMSIG(status) == SIGTERM || WTERMSIG(status) == SIGHUP))
        throw Error(ExitCode::interrupted, "mke2fs was interrupted");
    if (status != 0) {
        std::string what = one_line(said.bytes);
        std::string exit_status = std::to_string(sandbox::exit_status_of(status));
        throw Error(ExitCode::cant_create,
                    "mke2fs failed (exit status " + exit_status + ")" + (what.empty() ? "" : ": " + what));
    }
    return one_line(said.bytes);
}

}  // namespace hpc::builder
