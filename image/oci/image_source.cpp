#include "image/oci/image_sources.hpp"

namespace hpc::image::oci {

std::unique_ptr<ImageSource> ImageSource::open(const SourceReference& reference) {
    switch (reference.transport) {
        case Transport::oci_archive:
            return open_oci_archive(reference);
        case Transport::docker_archive:
            return open_docker_archive(reference);
        case Transport::oci_layout:
            break;
    }
    return open_layout(reference);
}

}  // namespace hpc::image::oci
