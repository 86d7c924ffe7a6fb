#include "image/serve/serve_failures.hpp"

#include <new>

namespace hpc::image {

std::optional<std::string> describe(const std::string& image, const ServeFailures& failures) {
    if (failures.count == 0 && !failures.image_changed) return std::nullopt;
    std::string text = image + (failures.image_changed ? " changed while it was served: " : ": ");
    if (failures.count == 0) return text + "no read failed (none came after the change)";
    text += failures.count == 1 ? "1 read failed" : std::to_string(failures.count) + " reads failed";
    if (failures.first.empty()) return text;  // its cause could not be kept (no memory)
    return text + (failures.count == 1 ? " (" : " (first: ") + failures.first + ")";
}

void ServeFailureLog::record(std::string_view cause) noexcept {
    if (!first_kept_.load(std::memory_order_acquire)) {
        std::lock_guard lock(first_lock_);
        if (!first_kept_.load(std::memory_order_relaxed)) {
            try {
                first_.assign(cause);
            } catch (const std::bad_alloc&) {
                // Counted without its cause: the count is what says something went wrong.
            }
            first_kept_.store(true, std::memory_order_release);
        }
    }
    count_.fetch_add(1, std::memory_order_release);
}

ServeFailures ServeFailureLog::snapshot() const {
    // Under the lock, a count above 0 always comes with the first cause: the first failure is
    // counted only after its cause is kept, and every later one after seeing that it was.
    std::lock_guard lock(first_lock_);
    return ServeFailures{count_.load(std::memory_order_acquire), first_};
}

}  // namespace hpc::image
