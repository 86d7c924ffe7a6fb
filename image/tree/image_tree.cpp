#include "image/tree/image_tree.hpp"

#include "common/error.hpp"
#include "image/squashfs/block_arena.hpp"
#include "image/tree/directory_tree.hpp"
#include "image/tree/squashfs_tree.hpp"

namespace hpc::image {

std::unique_ptr<ImageTree> open_tree(const ImageFile& image) {
    if (image.format() == ImageFormat::directory) return open_directory_tree(image.fd());
    try {
        return open_squashfs_tree(image.fd(), image.squashfs().offset);
    } catch (const Error& error) {
        throw error.within(image.path());
    }
}

void release_block_memory() { BlockArena::release_idle_chunks(); }

}  // namespace hpc::image
