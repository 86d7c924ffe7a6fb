// Which user and group ids the FUSE server may show as the owners of the image's files: those
// the mount's user namespace maps, as the caller says (ServeOptions::mapped_uids). The server
// shows files owned by any other id as owned by the mounting user.
#pragma once

#include <cstdint>
#include <utility>
#include <vector>

namespace hpc::image {

struct IdRange {
    uint32_t first = 0;
    uint32_t count = 0;
};

class IdRanges {
public:
    explicit IdRanges(const std::vector<IdRange>& ranges);
    static IdRanges all();  // every id: nothing to hide

    bool contains(uint32_t id) const;

private:
    IdRanges() = default;
    std::vector<std::pair<uint64_t, uint64_t>> ranges_;  // [first, first + count)
};

}  // namespace hpc::image
