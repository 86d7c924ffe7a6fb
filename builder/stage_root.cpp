#include "builder/stage_root.hpp"

#include "common/error.hpp"
#include "sandbox/mount_ops.hpp"

namespace hpc::builder {
namespace {

std::string lowercase(std::string text) {
    for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return text;
}

}  // namespace

Bootstrap Bootstrap::of(const image::DefinitionStage& stage, const std::string& definition_name) {
    std::string agent = lowercase(stage.header_value("bootstrap"));
    std::string where = definition_name + ":" + std::to_string(stage.header_line) + ": ";
    Bootstrap bootstrap;
    if (agent == "scratch") return bootstrap;
    if (agent == "localimage") {
        bootstrap.agent = Agent::localimage;
        bootstrap.from = stage.header_value("from");
        if (bootstrap.from.empty()) throw Error(ExitCode::data, where + "Bootstrap: localimage needs a From: image");
        return bootstrap;
    }
    throw Error(ExitCode::data, where + "bootstrap agent '" + agent +
                                    "' is not supported by this hpc (localimage, scratch)");
}

StageRoot::StageRoot(WorkArea& area, const std::string& name, const Bootstrap& bootstrap) {
    std::string lower = area.directory(name + "/base");
    if (bootstrap.agent == Bootstrap::Agent::localimage) {
        image_ = image::ImageFile::open(bootstrap.from);
        if (image_->format() == image::ImageFormat::directory) {
            lower = image_->resolved_path();
        } else {
            // In the build's namespace root is the user: the image's root-owned files show as
            // root's, any other owner as root's too.
            image::ServeOptions options;
            options.mapped_uids = {{0, 1}};
            options.mapped_gids = {{0, 1}};
            server_.emplace(*image_, options);
            server_->mount(lower);
            area.track_mount(lower);
            server_->seal();
        }
    }
    std::string upper = area.directory(name + "/upper");
    std::string work = area.directory(name + "/work");
    root_ = area.directory(name + "/root");
    sandbox::mount_overlay(lower, upper, work, root_);
    area.track_mount(root_);
}

}  // namespace hpc::builder
