#include "cmd/report.hpp"

#include <unistd.h>

namespace hpc::cmd {
namespace {

Verbosity current = Verbosity::normal;

// One write(2) per message, so that lines from the launcher and from the payload's process
// (which warns before it execs) never interleave.
void write_line(const std::string& line) {
    std::string text = line + "\n";
    ssize_t ignored = ::write(STDERR_FILENO, text.data(), text.size());
    (void)ignored;
}

}  // namespace

void set_verbosity(Verbosity verbosity) { current = verbosity; }

Verbosity verbosity() { return current; }

bool notices_wanted() { return current >= Verbosity::normal; }

void report_error(const std::string& message) { write_line("hpc: " + message); }

std::string warning_line(const std::string& message) { return "hpc: warning: " + message + "\n"; }

void report_warning(const std::string& message) {
    if (current > Verbosity::silent) write_line("hpc: warning: " + message);
}

void report_notice(const std::string& message) {
    if (notices_wanted()) write_line("hpc: " + message);
}

void report_debug(const std::string& message) {
    if (current == Verbosity::debug) write_line("hpc: debug: " + message);
}

}  // namespace hpc::cmd
