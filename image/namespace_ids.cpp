#include "image/namespace_ids.hpp"

#include <fstream>
#include <sstream>

namespace hpc::image {

IdRanges IdRanges::all() {
    IdRanges ranges;
    ranges.ranges_.emplace_back(0, uint64_t(1) << 32);
    return ranges;
}

IdRanges IdRanges::parse(std::string_view map_text) {
    IdRanges ranges;
    std::istringstream lines{std::string(map_text)};
    uint64_t inside = 0, outside = 0, count = 0;
    while (lines >> inside >> outside >> count) ranges.ranges_.emplace_back(inside, inside + count);
    return ranges;
}

IdRanges IdRanges::of_this_namespace(bool groups) {
    std::ifstream map(groups ? "/proc/self/gid_map" : "/proc/self/uid_map");
    if (!map) return all();
    std::ostringstream text;
    text << map.rdbuf();
    return parse(text.str());
}

bool IdRanges::contains(uint32_t id) const {
    for (auto [first, end] : ranges_)
        if (id >= first && id < end) return true;
    return false;
}

}  // namespace hpc::image
