// An image's files as mpi/ reads them (mpi/file_view.hpp), through image/'s tree: what
// --mpi host asks of the image's libraries before anything is mounted.
#pragma once

#include "image/tree/image_tree.hpp"
#include "mpi/file_view.hpp"

#include <memory>

namespace hpc::launch {

mpi::FileView image_file_view(std::shared_ptr<const image::ImageTree> tree);

}  // namespace hpc::launch
