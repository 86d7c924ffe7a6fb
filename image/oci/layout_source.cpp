// `oci:DIR`: an OCI image layout directory (image-spec image-layout.md). The directory is
// opened once; index.json and every blob are opened below that descriptor (openat), each blob
// by a path made of its checked digest alone, and only regular files are read.
#include "image/oci/blob_store.hpp"
#include "image/oci/checked_blob_stream.hpp"
#include "image/oci/image_index.hpp"
#include "image/oci/image_sources.hpp"
#include "image/oci/json_document.hpp"

#include "common/error.hpp"
#include "common/read_to_end.hpp"
#include "common/unique_fd.hpp"

#include <fcntl.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstring>

namespace hpc::image::oci {
namespace {

class LayoutSource final : public ImageSource, public BlobStore {
public:
    explicit LayoutSource(const SourceReference& reference);

    Image read_image(const std::string& architecture) override {
        return read_layout_image(*this, index_json_, reference_, architecture);
    }
    std::unique_ptr<BlobStream> open_layer(const Layer& layer) override { return open_blob(layer.descriptor); }

    const std::string& where() const override { return reference_.path; }
    std::unique_ptr<BlobStream> open_blob(const Descriptor& descriptor) override;

private:
    // The regular file at `relative` below the layout; an invalid fd with errno set when it
    // cannot be opened. O_NOFOLLOW: a blob is the layout's own file, not a link to elsewhere;
    // O_NONBLOCK: a FIFO planted as a blob opens at once, and is refused as no regular file.
    UniqueFd open_file(const std::string& relative) const;
    std::string read_index() const;

    SourceReference reference_;
    UniqueFd directory_;
    std::string index_json_;  // read when the layout is opened: a directory without one is no layout
};

LayoutSource::LayoutSource(const SourceReference& reference) : reference_(reference) {
    directory_.reset(::open(reference_.path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!directory_) {
        if (errno == ENOTDIR)
            throw Error(ExitCode::data, reference_.path + ": not a directory (an oci: source is an OCI image layout)");
        throw_errno(reference_.path);
    }
    index_json_ = read_index();
}

UniqueFd LayoutSource::open_file(const std::string& relative) const {
    UniqueFd fd(
        ::openat(directory_.get(), relative.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY));
    if (!fd) return fd;
    struct stat status {};
    if (::fstat(fd.get(), &status) != 0) throw_errno(reference_.path + ": " + relative);
    if (!S_ISREG(status.st_mode))
        throw Error(ExitCode::data, reference_.path + ": " + relative + ": not a regular file");
    return fd;
}

std::string LayoutSource::read_index() const {
    UniqueFd fd = open_file("index.json");
    if (!fd && errno == ENOENT)
        throw Error(ExitCode::data, reference_.path + ": not an OCI image layout (no index.json)");
    if (!fd) throw_errno(reference_.path + ": index.json");
    BoundedRead content = read_to_end(fd.get(), max_json_bytes);
    if (content.error) throw_errno(reference_.path + ": index.json", content.error);
    if (content.too_large)
        throw Error(ExitCode::data,
                    reference_.path + ": index.json: more than " + std::to_string(max_json_bytes) + " bytes");
    return std::move(content.bytes);
}

std::unique_ptr<BlobStream> LayoutSource::open_blob(const Descriptor& descriptor) {
    std::string path;
    try {
        path = blob_path(descriptor.digest);
    } catch (const Error& error) {
        throw error.within(reference_.path);
    }
    UniqueFd fd = open_file(path);
    if (!fd) {
        int err = errno;
        std::string blob = reference_.path + ": blob " + short_digest(descriptor.digest) + ": ";
        // A blob the layout lacks, or a link in its place, is a broken image, not a missing input.
        if (err == ENOENT || err == ENOTDIR)
            throw Error(ExitCode::data, blob + "not in the layout (" + path + ")", err);
        if (err == ELOOP) throw Error(ExitCode::data, blob + path + " is a symbolic link, not a regular file", err);
        throw_errno(blob + path, err);
    }
    return std::make_unique<CheckedBlobStream>(std::make_unique<tar::FileReader>(std::move(fd)), descriptor,
                                               reference_.path);
}

}  // namespace

std::unique_ptr<ImageSource> open_layout(const SourceReference& reference) {
    return std::make_unique<LayoutSource>(reference);
}

}  // namespace hpc::image::oci
