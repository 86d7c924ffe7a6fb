// What the planner needs to know of an image, read through image/'s tree before anything is
// mounted: its environment scripts, runscript, shells, passwd and group, and (for --mpi host,
// read only when asked) its shared libraries.
#pragma once

#include "image/tree/image_file.hpp"
#include "image/tree/image_tree.hpp"
#include "sandbox/plan/planner.hpp"

#include <memory>

namespace hpc::launch {

sandbox::ImageSummary summarize_image(const image::ImageFile& image, std::shared_ptr<const image::ImageTree> tree);

}  // namespace hpc::launch
