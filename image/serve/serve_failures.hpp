// The requests the FUSE server could not answer because the image or hpc failed: a corrupt
// block, an unreadable image, memory run out. The kernel hands the payload only "Input/output
// error" for them, so the server counts them and keeps the first one's cause, for the launcher
// to say after the payload why its reads failed. The file system's ordinary answers (ENOENT,
// ENOTDIR, EROFS, EEXIST...) are no failures and are not counted.
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

namespace hpc::image {

// What the server failed to serve so far.
struct ServeFailures {
    uint64_t count = 0;
    std::string first;  // the first failure's cause, "corrupt data block at byte N ..."; empty while count is 0
    bool image_changed = false;  // the image file was changed in place while served (image_change.hpp)
};

// What a launcher says after its payload of the image `image` it served, when something went
// wrong (count > 0, or the image changed): "IMAGE: 3 reads failed (first: CAUSE)", or "IMAGE
// changed while it was served: 3 reads failed (first: CAUSE)"; nullopt when nothing did.
std::optional<std::string> describe(const std::string& image, const ServeFailures& failures);

// Written by every worker thread, read by whoever asks. Costs nothing until a request fails:
// only the failing path records.
class ServeFailureLog {
public:
    // Counts one failed request; the first one's cause is kept, later ones' are dropped.
    void record(std::string_view cause) noexcept;
    ServeFailures snapshot() const;

private:
    std::atomic<uint64_t> count_{0};
    std::atomic<bool> first_kept_{false};  // spares later failures the lock
    mutable std::mutex first_lock_;
    std::string first_;  // written once, under first_lock_, before its failure is counted
};

}  // namespace hpc::image
