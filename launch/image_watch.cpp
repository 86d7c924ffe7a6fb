#include "launch/image_watch.hpp"

#include "common/error.hpp"

#include <sys/inotify.h>

#include <string>

namespace hpc::launch {

UniqueFd watch_image_file(int image) {
    UniqueFd watch(::inotify_init1(IN_CLOEXEC | IN_NONBLOCK));
    if (!watch) throw_errno("watch the image file (inotify_init1)");
    // Through the descriptor's /proc/self/fd link: the file that was checked, not its name now.
    std::string file = "/proc/self/fd/" + std::to_string(image);
    constexpr uint32_t changes = IN_MODIFY | IN_ATTRIB | IN_CLOSE_WRITE | IN_DELETE_SELF | IN_MOVE_SELF;
    if (::inotify_add_watch(watch.get(), file.c_str(), changes) < 0) throw_errno("watch the image file");
    return watch;
}

}  // namespace hpc::launch
