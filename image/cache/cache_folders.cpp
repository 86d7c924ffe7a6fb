#include "image/cache/cache_folders.hpp"

#include "common/error.hpp"
#include "common/private_folder.hpp"

namespace hpc::image::cache {
namespace {

constexpr FolderKind cache_kind{"cache", "a cache is one user's", ", or use another cache"};

UniqueFd open_sub_folder(int parent, const std::string& parent_path, const char* name) {
    return open_private_sub_folder(parent, parent_path, name, cache_kind);
}

}  // namespace

CacheFolders CacheFolders::open(const std::string& root) {
    if (root.empty()) throw Error(ExitCode::config, "cache: no folder given for it");
    CacheFolders folders;
    folders.root_ = root;
    while (folders.root_.size() > 1 && folders.root_.back() == '/') folders.root_.pop_back();
    folders.root_fd_ = open_private_folder(folders.root_, cache_kind);

    UniqueFd blobs = open_sub_folder(folders.root_fd_.get(), folders.root_, "blobs");
    UniqueFd sifs = open_sub_folder(folders.root_fd_.get(), folders.root_, "sif");
    folders.blobs_sha256_ = open_sub_folder(blobs.get(), folders.root_ + "/blobs", "sha256");
    folders.blobs_sha512_ = open_sub_folder(blobs.get(), folders.root_ + "/blobs", "sha512");
    folders.sifs_sha256_ = open_sub_folder(sifs.get(), folders.root_ + "/sif", "sha256");
    folders.sifs_sha512_ = open_sub_folder(sifs.get(), folders.root_ + "/sif", "sha512");
    folders.tags_ = open_sub_folder(folders.root_fd_.get(), folders.root_, "tags");
    folders.locks_ = open_sub_folder(folders.root_fd_.get(), folders.root_, "locks");
    return folders;
}

int CacheFolders::folder(Holding holding, std::string_view algorithm) const {
    bool sha512 = algorithm == "sha512";
    if (holding == Holding::blobs) return sha512 ? blobs_sha512_.get() : blobs_sha256_.get();
    return sha512 ? sifs_sha512_.get() : sifs_sha256_.get();
}

std::string CacheFolders::path(Holding holding, std::string_view algorithm) const {
    return root_ + (holding == Holding::blobs ? "/blobs/" : "/sif/") + std::string(algorithm);
}

}  // namespace hpc::image::cache
