#include "image/namespace_ids.hpp"

#include "common/unique_fd.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cctype>
#include <charconv>

namespace hpc::image {
namespace {

// The next unsigned number in `text` from `at`, skipping blanks; false at the end or on junk.
bool next_number(std::string_view text, std::size_t& at, uint64_t& value) {
    while (at < text.size() && std::isspace(static_cast<unsigned char>(text[at]))) ++at;
    auto [end, error] = std::from_chars(text.data() + at, text.data() + text.size(), value);
    if (error != std::errc()) return false;
    at = static_cast<std::size_t>(end - text.data());
    return true;
}

}  // namespace

IdRanges IdRanges::all() {
    IdRanges ranges;
    ranges.ranges_.emplace_back(0, uint64_t(1) << 32);
    return ranges;
}

IdRanges IdRanges::parse(std::string_view map_text) {
    IdRanges ranges;
    std::size_t at = 0;
    uint64_t inside = 0, outside = 0, count = 0;
    while (next_number(map_text, at, inside) && next_number(map_text, at, outside) && next_number(map_text, at, count))
        ranges.ranges_.emplace_back(inside, inside + count);
    return ranges;
}

IdRanges IdRanges::of_this_namespace(bool groups) {
    // Plain read(2), not iostreams: their first use costs more than the whole mount otherwise.
    UniqueFd map(::open(groups ? "/proc/self/gid_map" : "/proc/self/uid_map", O_RDONLY | O_CLOEXEC));
    if (!map) return all();
    std::string text;
    char buffer[4096];
    ssize_t got = 0;
    while ((got = ::read(map.get(), buffer, sizeof buffer)) > 0) text.append(buffer, static_cast<std::size_t>(got));
    if (got < 0) return all();
    return parse(text);
}

bool IdRanges::contains(uint32_t id) const {
    for (auto [first, end] : ranges_)
        if (id >= first && id < end) return true;
    return false;
}

}  // namespace hpc::image
