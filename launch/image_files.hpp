// The image files a launch mounts beside its root (an --overlay image, an image bind's source, a
// SIF's overlay partition), opened and checked once, when the planner asks what they hold
// (HostFacts::image_file), and kept open: what is mounted is the file that was checked.
#pragma once

#include "image/tree/image_file.hpp"
#include "sandbox/plan/host_facts.hpp"
#include "sandbox/plan/launch_plan.hpp"

#include <deque>
#include <string>

namespace hpc::launch {

class ImageFiles {
public:
    // HostFacts::image_file: opens and checks the file system `query` names in the file, keeps it
    // open, and says what it is. Throws hpc::Error naming the file (image::ImageFile::open_file_system).
    sandbox::ImageMount open(const std::string& canonical_path, const sandbox::ImageFileQuery& query);

    // The file opened for `mount`: the one at its path whose file system lies where it says.
    // Throws hpc::Error(software) for a mount this did not open.
    const image::ImageFile& file_of(const sandbox::ImageMount& mount) const;

private:
    std::deque<image::ImageFile> files_;  // a deque: references to its files stay valid
};

}  // namespace hpc::launch
