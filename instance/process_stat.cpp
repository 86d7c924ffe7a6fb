#include "instance/process_stat.hpp"

#include "common/read_to_end.hpp"
#include "common/unique_fd.hpp"

#include <fcntl.h>

#include <charconv>
#include <vector>

namespace hpc::instance {

std::optional<ProcessStat> parse_process_stat(std::string_view line) {
    std::size_t close = line.rfind(')');
    if (close == std::string_view::npos) return std::nullopt;
    // After the command: field 3 (state) onwards, separated by single spaces.
    std::vector<uint64_t> fields;  // fields[0] is field 4 (ppid)
    std::string_view rest = line.substr(close + 1);
    std::size_t position = 0;
    int field = 2;
    while (position < rest.size() && field < 22) {
        while (position < rest.size() && rest[position] == ' ') ++position;
        std::size_t end = rest.find(' ', position);
        if (end == std::string_view::npos) end = rest.size();
        ++field;
        if (field >= 4) {
            uint64_t value = 0;
            std::string_view word = rest.substr(position, end - position);
            // Signed fields (cutime, priority, ...) that are negative count as 0 here.
            if (!word.starts_with('-') &&
                std::from_chars(word.data(), word.data() + word.size(), value).ec != std::errc())
                return std::nullopt;
            fields.push_back(value);
        }
        position = end;
    }
    if (field < 22) return std::nullopt;
    auto at = [&](int number) { return fields[static_cast<std::size_t>(number - 4)]; };
    return ProcessStat{at(14) + at(15) + at(16) + at(17), at(22)};
}

std::optional<ProcessStat> read_process_stat(int process_directory) {
    UniqueFd fd(::openat(process_directory, "stat", O_RDONLY | O_CLOEXEC));
    if (!fd) return std::nullopt;
    BoundedRead read = read_to_end(fd.get(), 4096);
    if (read.error != 0 || read.too_large) return std::nullopt;
    return parse_process_stat(read.bytes);
}

}  // namespace hpc::instance
