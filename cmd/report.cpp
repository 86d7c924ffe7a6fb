#include "cmd/report.hpp"

#include <unistd.h>

namespace hpc::cmd {
namespace {

// One write(2) per message, so that lines from the launcher and from the payload's process
// (which warns before it execs) never interleave.
void write_line(const std::string& line) {
    std::string text = line + "\n";
    ssize_t ignored = ::write(STDERR_FILENO, text.data(), text.size());
    (void)ignored;
}

}  // namespace

void report_error(const std::string& message) { write_line("hpc: " + message); }

void report_warning(const std::string& message) { write_line("hpc: warning: " + message); }

void report_notice(const std::string& message) { write_line("hpc: " + message); }

}  // namespace hpc::cmd
