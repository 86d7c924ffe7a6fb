// A stage's root tree: its base (an image served in-process, a directory, an OCI image written
// as a squashfs into the work area and served, or nothing for `Bootstrap: scratch` and
// `debootstrap`) under a kernel overlay whose upper layer lies in the
// build's work area; debootstrap then installs into it.
// %post then writes anywhere in the tree while the base is neither unpacked nor touched; the
// merged tree is what gets packed. Made inside the build's user and mount namespace.
#pragma once

#include "builder/debootstrap.hpp"
#include "builder/oci_image.hpp"
#include "builder/registry_image.hpp"
#include "builder/work_area.hpp"
#include "definition/definition.hpp"
#include "image/tree/image_file.hpp"
#include "image/serve/squashfs_server.hpp"
#include "sandbox/plan/fakeroot.hpp"

#include <functional>
#include <optional>
#include <string>

namespace hpc::builder {

// What a stage starts from: its header's `Bootstrap:` and `From:`.
struct Bootstrap {
    enum class Agent { localimage, scratch, debootstrap, oci };
    Agent agent = Agent::scratch;
    std::string from;               // localimage: the image's path; the OCI agents: From, as written
    DebootstrapSource debootstrap;  // debootstrap: OSVersion, MirrorURL, Include
    OciImageSource oci;             // oci, oci-archive, docker-archive, docker: From, and the build's --arch

    // Throws hpc::Error(data) for an agent hpc cannot bootstrap, or one without the keys it
    // needs (localimage's and the OCI agents' From, debootstrap's OSVersion and MirrorURL).
    // `architecture`: the build's --arch, for the OCI agents; `registry`: how docker and oras
    // reach theirs (an oras base, a SIF, is pulled into the cache here).
    static Bootstrap of(const image::DefinitionStage& stage, const std::string& definition_name,
                        const std::string& architecture, const RegistrySettings& registry);
    // What the build's namespace must have for it: debootstrap needs --fakeroot's.
    bool needs_fakeroot() const { return agent == Agent::debootstrap; }
};


class StageRoot {
public:
    // Mounts the stage's tree under `area` (directory `name`) and, for debootstrap, installs
    // into it. `ids`: the build's user namespace (root-mapped, or --fakeroot's). The base
    // image must be there: hpc::Error(no_input) otherwise. `warn` hears, when the stage's root
    // goes, of the base image's reads that failed (a corrupt block %post ran into).
    StageRoot(WorkArea& area, const std::string& name, const Bootstrap& bootstrap, const sandbox::FakerootIds& ids,
              std::function<void(const std::string&)> warn);
    ~StageRoot();
    StageRoot(const StageRoot&) = delete;
    StageRoot& operator=(const StageRoot&) = delete;

    const std::string& path() const { return root_; }

private:
    std::optional<image::ImageFile> image_;
    std::optional<image::SquashfsServer> server_;  // for a SIF or squashfs base
    std::string root_;
    std::function<void(const std::string&)> warn_;
};

}  // namespace hpc::builder
