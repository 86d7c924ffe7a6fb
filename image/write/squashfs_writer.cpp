// Writing a directory: one scan for the structure, then its files streamed in node order.
#include "image/write/squashfs_writer.hpp"

#include "image/write/file_data_writer.hpp"
#include "image/write/squashfs_stream.hpp"
#include "image/write/tree_scanner.hpp"

namespace hpc::image {

SquashfsWriteResult write_squashfs(const std::string& source, int fd, uint64_t offset,
                                   const SquashfsWriteOptions& options) {
    SquashfsStream stream(fd, offset, options);
    SourceTree tree = scan_tree(source, {.all_root = options.all_root,
                                         .record_xattrs = [&stream](std::span<const Xattr> found) {
                                             return stream.record_xattrs(found);
                                         }});
    pack_files(tree, stream, options.progress);
    return stream.finish(tree);
}

}  // namespace hpc::image
