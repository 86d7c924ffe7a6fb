#include "launch/image_files.hpp"

#include "common/error.hpp"

namespace hpc::launch {

sandbox::ImageMount ImageFiles::open(const std::string& canonical_path, const sandbox::ImageFileQuery& query) {
    image::ImageFile& file = files_.emplace_back(image::ImageFile::open_file_system(
        canonical_path, {.sif_id = query.sif_id, .overlay_partition = query.overlay_partition}));
    // The site's policy judged `canonical_path`: a link swapped in since must not make it another file.
    if (file.resolved_path() != canonical_path)
        throw Error(ExitCode::denied, canonical_path + ": changed while hpc used it: it now leads to " + file.resolved_path());
    sandbox::ImageMount mount;
    mount.file_system = file.file_system() == image::FileSystemType::squashfs ? sandbox::ImageMount::FileSystem::squashfs
                                                                               : sandbox::ImageMount::FileSystem::ext3;
    mount.path = file.resolved_path();
    mount.format = image::format_name(file.format());
    mount.offset = file.extent().offset;
    mount.size = file.extent().size;
    mount.device = file.device();
    mount.inode = file.inode();
    mount.identity = file.identity();
    return mount;
}

const image::ImageFile& ImageFiles::file_of(const sandbox::ImageMount& mount) const {
    for (const image::ImageFile& file : files_)
        if (file.resolved_path() == mount.path && file.extent().offset == mount.offset && file.device() == mount.device &&
            file.inode() == mount.inode)
            return file;
    throw Error(ExitCode::software, mount.path + ": mounted, but never opened and checked");
}

}  // namespace hpc::launch
