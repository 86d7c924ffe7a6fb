#include "builder/oci_image.hpp"

#include "builder/base_environment.hpp"
#include "builder/oci_metadata.hpp"
#include "common/error.hpp"
#include "common/unique_fd.hpp"
#include "image/layers/oci_squashfs.hpp"
#include "image/sif/sif.hpp"

#include <fcntl.h>
#include <sys/stat.h>

#include <cstdio>

namespace hpc::builder {
namespace {

std::string describe(const image::oci::Image& image) {
    uint64_t bytes = 0;
    for (const image::oci::Layer& layer : image.layers) bytes += layer.descriptor.size;
    char size[32];
    std::snprintf(size, sizeof size, "%.1f MiB", static_cast<double>(bytes) / (1024.0 * 1024.0));
    std::string platform = image.os + "/" + image.architecture + (image.variant.empty() ? "" : "/" + image.variant);
    return std::to_string(image.layers.size()) + (image.layers.size() == 1 ? " layer, " : " layers, ") + size +
           " (" + platform + ")";
}

void make_directory(const std::string& path) {
    if (::mkdir(path.c_str(), 0755) != 0) throw_errno("create " + path);
}

}  // namespace

OciImageSource local_oci_source(const image::oci::SourceReference& reference, const std::string& architecture) {
    return {reference.text, reference.path, [reference] { return image::oci::ImageSource::open(reference); },
            architecture, false};
}

std::string host_oci_architecture() { return image::sif_arch_name(image::host_sif_arch()); }

namespace {

// An index chose the platform already; a lone manifest (a docker-archive's always) may be for
// another machine, which only running it would otherwise tell.
void check_architecture(const OciImageSource& source, const image::oci::Image& image, const OciImageHooks& hooks) {
    std::string wanted = source.architecture.empty() ? host_oci_architecture() : source.architecture;
    if (image.architecture.empty() || image.architecture == wanted) return;
    if (!source.architecture.empty())
        throw Error(ExitCode::no_input, "the image is for " + image.architecture + ", not " + wanted + " (--arch)");
    if (hooks.warn)
        hooks.warn(source.name + ": the image is for " + image.architecture + ", this machine is " + wanted);
}

}  // namespace

WrittenOciImage write_oci_image(const OciImageSource& source, const std::string& work, int fd, uint64_t offset,
                                const image::SquashfsWriteOptions& options, const OciImageHooks& hooks) {
    const std::string& name = source.name;
    try {
        std::unique_ptr<image::oci::ImageSource> opened = source.open();
        image::oci::Image image =
            opened->read_image(source.architecture.empty() ? host_oci_architecture() : source.architecture);
        check_architecture(source, image, hooks);
        if (hooks.notice) hooks.notice("reading " + name + ": " + describe(image));
        // The /.singularity.d of every hpc build, then the config's over it: two small host
        // trees, merged after the layers.
        std::string base = work + "/oci-base", config = work + "/oci-config";
        make_directory(base);
        make_base_environment(base);
        make_directory(config);
        write_oci_metadata(config, image);
        image::layers::OciSquashfsRequest request{
            *opened, image, {{base, false}, {config, true}}, source.devices_as_files, hooks.warn};
        return {image::layers::write_oci_squashfs(request, fd, offset, options), image.architecture};
    } catch (const Error& error) {
        std::string_view message = error.what();
        if (!source.names_itself.empty() && message.starts_with(source.names_itself)) throw;  // named already
        throw error.within(name);
    }
}

void write_oci_image_file(const OciImageSource& source, const std::string& work, const std::string& path,
                          const OciImageHooks& hooks) {
    UniqueFd fd(::open(path.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
    if (!fd) throw_errno("create " + path);
    image::SquashfsWriteOptions options;
    options.compression = "lz4";
    write_oci_image(source, work, fd.get(), 0, options, hooks);
}

}  // namespace hpc::builder
