#include "image/cache/process_claim.hpp"

#include <condition_variable>
#include <mutex>
#include <set>

namespace hpc::image::cache {
namespace {

std::mutex claims_mutex;
std::condition_variable claim_released;
std::set<std::string> claimed;

}  // namespace

ProcessClaim ProcessClaim::take(const std::string& key) {
    std::unique_lock<std::mutex> guard(claims_mutex);
    claim_released.wait(guard, [&] { return !claimed.contains(key); });
    claimed.insert(key);
    return ProcessClaim(key);
}

std::optional<ProcessClaim> ProcessClaim::try_take(const std::string& key) {
    std::lock_guard<std::mutex> guard(claims_mutex);
    if (!claimed.insert(key).second) return std::nullopt;
    return ProcessClaim(key);
}

ProcessClaim::~ProcessClaim() {
    if (!held_) return;
    {
        std::lock_guard<std::mutex> guard(claims_mutex);
        claimed.erase(key_);
    }
    claim_released.notify_all();
}

}  // namespace hpc::image::cache
