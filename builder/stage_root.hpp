// A stage's root tree: its base (an image served in-process, a directory, or nothing for
// `Bootstrap: scratch`) under a kernel overlay whose upper layer lies in the build's work area.
// %post then writes anywhere in the tree while the base is neither unpacked nor touched; the
// merged tree is what gets packed. Made inside the build's user and mount namespace.
#pragma once

#include "builder/work_area.hpp"
#include "image/definition.hpp"
#include "image/image_file.hpp"
#include "image/squashfs_server.hpp"

#include <optional>
#include <string>

namespace hpc::builder {

// What a stage starts from: its header's `Bootstrap:` and `From:`.
struct Bootstrap {
    enum class Agent { localimage, scratch };
    Agent agent = Agent::scratch;
    std::string from;  // localimage: the image's path

    // Throws hpc::Error(data) for an agent hpc cannot bootstrap, or localimage without From.
    static Bootstrap of(const image::DefinitionStage& stage, const std::string& definition_name);
};

class StageRoot {
public:
    // Mounts the stage's tree under `area` (directory `name`). The base image must be there:
    // hpc::Error(no_input) otherwise.
    StageRoot(WorkArea& area, const std::string& name, const Bootstrap& bootstrap);
    StageRoot(const StageRoot&) = delete;
    StageRoot& operator=(const StageRoot&) = delete;

    const std::string& path() const { return root_; }

private:
    std::optional<image::ImageFile> image_;
    std::optional<image::SquashfsServer> server_;  // for a SIF or squashfs base
    std::string root_;
};

}  // namespace hpc::builder
