#include "launch/image_file_view.hpp"

#include "common/path_in_root.hpp"

namespace hpc::launch {
namespace {

// A shared library the loader could map is far below this; the tree refuses a larger file.
constexpr uint64_t max_library_size = uint64_t{256} << 20;

}  // namespace

mpi::FileView image_file_view(std::shared_ptr<const image::ImageTree> tree) {
    mpi::FileView view;
    view.read = [tree](const std::string& path) -> std::optional<mpi::FileBytes> {
        std::optional<std::string> content = tree->read_file(path, max_library_size);
        if (!content) return std::nullopt;
        auto owner = std::make_shared<const std::string>(std::move(*content));
        return mpi::FileBytes{*owner, owner};
    };
    view.list = [tree](const std::string& path) { return tree->list_directory(path); };
    view.canonical = [tree](const std::string& path) -> std::optional<std::string> {
        std::string resolved = resolve_in_root(path, [&](const std::string& at) { return tree->read_link(at); });
        if (!tree->stat(resolved, false)) return std::nullopt;
        return resolved;
    };
    view.is_directory = [tree](const std::string& path) {
        std::optional<image::EntryInfo> entry = tree->stat(path);
        return entry && entry->kind == image::EntryKind::directory;
    };
    return view;
}

}  // namespace hpc::launch
