// image/: image files. It opens and validates SIF, squashfs and directory images
// (image_file.hpp), reads SIF containers (sif.hpp), reads files inside an image without
// mounting it (image_tree.hpp), reads Apptainer's metadata layout (metadata.hpp), and serves a
// squashfs root through FUSE from threads of its own (squashfs_server.hpp).
// It knows nothing of namespaces or containers: the caller decides where a mount happens.
#pragma once

#include "image/image_file.hpp"
#include "image/image_tree.hpp"
#include "image/squashfs_server.hpp"
