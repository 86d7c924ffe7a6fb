// builder/: runs a build, from a definition file, another image or a directory, to a SIF file
// (or, with --sandbox, a directory). The one layer besides cmd/ that joins image/ (it reads the
// base, parses the definition, writes the squashfs and the SIF) and sandbox/ (it runs %post and
// %test in containers). The sequence is Apptainer's, stage by stage: %pre, the bootstrap, %files
// from earlier stages, %setup, %files from the host, %post, the metadata, %test; then the last
// stage's tree is packed.
#pragma once

#include "builder/registry_image.hpp"
#include "definition/definition.hpp"
#include "image/write/squashfs_writer.hpp"
#include "sandbox/plan/bind_spec.hpp"
#include "site-config/site_config.hpp"

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace hpc::builder {

struct BuildRequest {
    std::string destination;  // a SIF file, or a directory with `sandbox`
    // A definition file, a SIF or squashfs image, a directory, or an OCI image: oci:DIR[:TAG|@DIGEST],
    // oci-archive:FILE[:TAG], docker-archive:FILE[:REF], docker://REFERENCE.
    std::string source;
    std::string architecture;  // --arch: the platform taken from an OCI index ("" this machine's)
    bool sandbox = false;
    bool force = false;       // replace an existing destination
    bool notest = false;      // skip %test
    std::string compression = "gzip";
    std::vector<sandbox::BindSpec> binds;  // for %post and %test
    bool nv = false;                       // --nv: %post and %test see the host's NVIDIA GPUs
    bool rocm = false;                     // --rocm: and its AMD ones
    // --fakeroot: the user's subordinate ids behind root, their ownership kept in the image.
    bool fakeroot = false;
    // --ignore-subuid (Apptainer's): as if the user had no subordinate range, so that a
    // definition build does not imply --fakeroot, and --fakeroot is one id.
    bool ignore_subuid = false;
    image::KeyValues build_args;           // --build-arg-file values first, then --build-arg ones
    bool warn_unused_build_args = false;   // a build argument no {{ NAME }} uses: a warning, not an error
    std::optional<int64_t> source_date_epoch;  // $SOURCE_DATE_EPOCH: a reproducible image
    std::string temporary_directory;  // --tmpdir, absolute: where the work area goes ("": $TMPDIR, else /tmp)
    // The admin's policy: --fakeroot and its one-id fallback, and the sources of --bind. (The
    // image rules are for images users run, not for a build's own stages.)
    site::SiteConfig site;
    // How docker:// sources and Bootstrap: docker reach their registry, and the cache they go through.
    RegistrySettings registry;
};

struct BuildHooks {
    std::function<void(const std::string&)> warn;
    std::function<void(const std::string&)> notice;  // what the build is doing, step by step
    std::function<void(const image::SquashfsWriteProgress&)> progress;  // while packing; may be empty
};

// Builds, or throws hpc::Error: usage, no_input (a missing source or %files source),
// data (a bad definition; a %post or %test that failed), cant_create (the destination
// exists without --force, or cannot be written: checked before any work), denied (a directory
// SOURCE with entries the user cannot read, or a --fakeroot the site refuses), interrupted
// (SIGINT, SIGTERM, SIGHUP). A failed or interrupted build leaves no destination, no temporary
// file and nothing mounted. An ordinary user's definition build implies --fakeroot when the
// user has a usable subordinate range (build_identity.hpp). The notices say which section runs
// and, last, what was built.
void run_build(const BuildRequest& request, const BuildHooks& hooks);

}  // namespace hpc::builder
