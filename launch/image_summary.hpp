// What the planner needs to know of an image, read through image/'s tree before anything is
// mounted: its environment scripts, runscript, shells, passwd and group, and (for --mpi host,
// read only when asked) its shared libraries; and, for --app, what it has of that SCIF app.
#pragma once

#include "image/tree/image_file.hpp"
#include "image/tree/image_tree.hpp"
#include "sandbox/plan/planner.hpp"

#include <memory>

namespace hpc::launch {

// `app`: the app --app names ("" for none). facts.app is set when the image has it: a folder
// /scif/apps/APP/scif (a name common/scif_layout.hpp refuses is never looked for).
sandbox::ImageSummary summarize_image(const image::ImageFile& image, std::shared_ptr<const image::ImageTree> tree,
                                      const std::string& app = {});

}  // namespace hpc::launch
