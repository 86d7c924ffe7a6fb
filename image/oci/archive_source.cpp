// `oci-archive:FILE`: a tar of an OCI image layout, as containers/image writes it. The same
// walk as a layout directory's (image_index.cpp), its files members of the archive.
#include "image/oci/blob_store.hpp"
#include "image/oci/checked_blob_stream.hpp"
#include "image/oci/image_index.hpp"
#include "image/oci/image_sources.hpp"
#include "image/oci/json_document.hpp"
#include "image/tar/tar_archive.hpp"

#include "common/error.hpp"

namespace hpc::image::oci {
namespace {

class OciArchiveSource final : public ImageSource, public BlobStore {
public:
    // index.json is read when the archive is opened: a tar without one is no layout's.
    explicit OciArchiveSource(const SourceReference& reference)
        : reference_(reference), archive_(reference.path), index_json_(read_index()) {}

    Image read_image(const std::string& architecture) override {
        return read_layout_image(*this, index_json_, reference_, architecture);
    }
    std::unique_ptr<BlobStream> open_layer(const Layer& layer) override { return open_blob(layer.descriptor); }

    const std::string& where() const override { return reference_.path; }
    std::unique_ptr<BlobStream> open_blob(const Descriptor& descriptor) override {
        std::string path;
        try {
            path = blob_path(descriptor.digest);
        } catch (const Error& error) {
            throw error.within(reference_.path);
        }
        const tar::TarMember* member = archive_.find(path);
        if (!member)
            throw Error(ExitCode::data, reference_.path + ": blob " + short_digest(descriptor.digest) +
                                            ": not in the archive (" + path + ")");
        return std::make_unique<CheckedBlobStream>(archive_.open_member(*member), descriptor, reference_.path);
    }

private:
    std::string read_index() const {
        const tar::TarMember* index = archive_.find("index.json");
        if (!index) throw Error(ExitCode::data, reference_.path + ": not an OCI image layout's tar (no index.json)");
        return archive_.read_member(*index, max_json_bytes);
    }

    SourceReference reference_;
    tar::TarArchive archive_;
    std::string index_json_;
};

}  // namespace

std::unique_ptr<ImageSource> open_oci_archive(const SourceReference& reference) {
    return std::make_unique<OciArchiveSource>(reference);
}

}  // namespace hpc::image::oci
