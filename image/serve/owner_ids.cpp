#include "image/serve/owner_ids.hpp"

namespace hpc::image {

IdRanges::IdRanges(const std::vector<IdRange>& ranges) {
    for (const IdRange& range : ranges) ranges_.emplace_back(range.first, uint64_t(range.first) + range.count);
}

IdRanges IdRanges::all() {
    IdRanges ranges;
    ranges.ranges_.emplace_back(0, uint64_t(1) << 32);
    return ranges;
}

bool IdRanges::contains(uint32_t id) const {
    for (auto [first, end] : ranges_)
        if (id >= first && id < end) return true;
    return false;
}

}  // namespace hpc::image
