// The only place hpc writes its own messages: one line each, on stderr, "hpc: ...".
#pragma once

#include <string>

namespace hpc::cmd {

void report_error(const std::string& message);
void report_warning(const std::string& message);

}  // namespace hpc::cmd
