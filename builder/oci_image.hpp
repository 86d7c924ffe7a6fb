// An OCI source (`oci:`, `oci-archive:`, `docker-archive:`) as the squashfs of an image hpc
// runs: its layers streamed in (image/layers), then the /.singularity.d every hpc build has,
// the base one where the layers have none and the config's (Env, Entrypoint and Cmd, Labels,
// the manifest and config) over it. Owners, modes and times are the layers'.
#pragma once

#include "image/oci/oci_image.hpp"
#include "image/write/squashfs_writer.hpp"

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

namespace hpc::builder {

struct OciImageSource {
    std::string name;        // as the user wrote it ("oci-archive:x.tar", "docker://alpine"), for messages
    std::string names_itself;  // what the source's own messages start with (a layout's path), not named twice
    std::function<std::unique_ptr<image::oci::ImageSource>()> open;
    std::string architecture;  // a GOARCH name (amd64, arm64...); "" for this machine's
    // Devices as empty files, with a warning: the image becomes a sandbox, copied out by an
    // ordinary user who cannot make device nodes.
    bool devices_as_files = false;
};

// An `oci:`, `oci-archive:` or `docker-archive:` source; the registries' are in registry_image.hpp.
OciImageSource local_oci_source(const image::oci::SourceReference& reference, const std::string& architecture);

// This machine's architecture as OCI names it.
std::string host_oci_architecture();

struct WrittenOciImage {
    image::SquashfsWriteResult written;
    std::string architecture;  // the config's: what the image's programs run on
};

struct OciImageHooks {
    std::function<void(const std::string&)> notice;  // what is being read
    std::function<void(const std::string&)> warn;    // an image for another architecture than this machine's
};

// Reads the source's image and writes it at `offset` of `fd`. `work` is a directory of the
// build's work area for the small metadata trees. Throws hpc::Error naming the source
// (image/oci, image/layers), and no_input for an image whose config is for another
// architecture than an --arch asked for.
WrittenOciImage write_oci_image(const OciImageSource& source, const std::string& work, int fd, uint64_t offset,
                                const image::SquashfsWriteOptions& options, const OciImageHooks& hooks);

// The image as a squashfs file made at `path` (new), quick to write (lz4): the base of a
// definition's stage or of a sandbox, read through the in-process server like any image.
void write_oci_image_file(const OciImageSource& source, const std::string& work, const std::string& path,
                          const OciImageHooks& hooks);

}  // namespace hpc::builder
