// The only place hpc writes its own messages: one line each, on stderr, "hpc: ...".
#pragma once

#include <string>

namespace hpc::cmd {

void report_error(const std::string& message);
void report_warning(const std::string& message);
void report_notice(const std::string& message);  // "hpc: ...": information, not a failure

}  // namespace hpc::cmd
