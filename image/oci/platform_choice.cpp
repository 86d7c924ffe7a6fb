#include "image/oci/platform_choice.hpp"

#include "common/error.hpp"
#include "common/printable.hpp"

namespace hpc::image::oci {
namespace {

// The variant an architecture's images are built for when they name none: a host of that
// architecture runs them all (containers/image's platform matcher and Docker agree on "v8").
std::string_view baseline_variant(std::string_view architecture) {
    if (architecture == "arm64") return "v8";
    return "";
}

std::string described(const IndexEntry& entry) {
    if (!entry.platform) return short_digest(entry.descriptor.digest) + " (no platform)";
    return quoted_printable(platform_text(*entry.platform));
}

}  // namespace

std::string platform_text(const Platform& platform) {
    std::string text = platform.os + "/" + platform.architecture;
    if (!platform.variant.empty()) text += "/" + platform.variant;
    return text;
}

const IndexEntry& choose_platform(const std::vector<const IndexEntry*>& candidates, std::string_view architecture,
                                  const std::string& context) {
    if (candidates.size() == 1 && !candidates.front()->platform) return *candidates.front();
    const IndexEntry* best = nullptr;
    bool best_is_baseline = false;
    for (const IndexEntry* entry : candidates) {
        if (!entry->platform || entry->platform->os != "linux" || entry->platform->architecture != architecture)
            continue;
        const std::string& variant = entry->platform->variant;
        bool baseline = variant.empty() || variant == baseline_variant(architecture);
        if (!best || (baseline && !best_is_baseline)) {
            best = entry;
            best_is_baseline = baseline;
        }
    }
    if (best) return *best;
    std::string there;
    for (const IndexEntry* entry : candidates) there += (there.empty() ? "" : ", ") + described(*entry);
    if (there.empty()) there = "none";
    throw Error(ExitCode::no_input,
                context + ": no image for linux/" + std::string(architecture) + " (there are: " + there + ")");
}

}  // namespace hpc::image::oci
