// The planner's image files beside the root: --overlay images, a SIF's overlay partition and
// image binds, on an invented host whose image files are described by a table (HostFacts::image_file).
#include "sandbox/plan/image_layers.hpp"
#include "sandbox/plan/launch_steps.hpp"
#include "sandbox/plan/planner.hpp"

#include "invented_host.hpp"
#include "thrown_error.hpp"

#include <catch2/catch.hpp>

#include <map>

using namespace hpc::sandbox;
using hpc::test::error_message;

namespace {

constexpr uint64_t overlay_partition_offset = 1 << 20;

// What dora's image files hold: data.sqfs a squashfs, env.img and more.img ext3 images, tools.sif
// a SIF whose id 2 is an ext3 overlay partition; anything else is no image.
ImageMount described(const std::string& path, const ImageFileQuery& query) {
    ImageMount mount;
    mount.path = path;
    mount.identity = path + "@id";
    if (path.ends_with(".img")) {
        mount.file_system = ImageMount::FileSystem::ext3;
        mount.format = "ext3";
    } else if (path == "/work/tools.sif") {
        mount.format = "sif";
        bool overlay = query.sif_id == 2u || (!query.sif_id && query.overlay_partition);
        mount.file_system = overlay ? ImageMount::FileSystem::ext3 : ImageMount::FileSystem::squashfs;
        mount.offset = overlay ? overlay_partition_offset : 4096;
    } else if (path.ends_with(".sqfs")) {
        mount.format = "squashfs";
    } else {
        throw hpc::Error(hpc::ExitCode::data, path + ": not a squashfs, ext3 or SIF image");
    }
    return mount;
}

HostFacts dora_host() {
    HostFacts host;
    host.user = hpc::test::invented_user(1004, "dora", "/bin/bash");
    host.cwd = "/work";
    std::set<std::string> existing = hpc::test::usual_host_paths();
    existing.insert({"/work", "/work/data.sqfs", "/work/env.img", "/work/more.img", "/work/tools.sif", "/work/notes.txt",
                     "/work/dir", "/scratch/big.sqfs"});
    host.canonical = hpc::test::invented_paths({}, existing);
    host.is_directory = [](const std::string& path) { return path == "/work" || path == "/work/dir"; };
    host.image_file = described;
    return host;
}

ImageSummary plain_image() { return hpc::test::invented_image("/work/app.sif", "dora", {"/usr"}); }

struct Layers {
    std::vector<OverlayLayer> layers;
    std::vector<ImageMount> images;
};

Layers layers_of(const LaunchRequest& request, const ImageSummary& image = plain_image(),
                 const hpc::site::SiteConfig& site = {}) {
    Layers planned;
    planned.layers = plan_layers(request, dora_host(), image, site, planned.images);
    return planned;
}

LaunchRequest overlays(std::vector<OverlaySpec> specs) {
    LaunchRequest request;
    request.overlays = std::move(specs);
    return request;
}

BindSpec image_bind(std::string source, std::string destination, std::string inside) {
    BindSpec bind;
    bind.source = std::move(source);
    bind.destination = std::move(destination);
    bind.read_only = true;
    bind.image_source = std::move(inside);
    return bind;
}

}  // namespace

TEST_CASE("image layers: a squashfs overlay is a read-only layer of its own mount, :ro or not") {
    Layers planned = layers_of(overlays({{"data.sqfs", false}}));
    CHECK(planned.layers == std::vector<OverlayLayer>{{"", 0, false}});
    REQUIRE(planned.images.size() == 1);
    CHECK(planned.images[0].path == "/work/data.sqfs");
    CHECK(planned.images[0].file_system == ImageMount::FileSystem::squashfs);
    CHECK_FALSE(planned.images[0].writable);
    CHECK(planned.images[0].purpose == "--overlay data.sqfs");
}

TEST_CASE("image layers: an ext3 overlay is writable unless :ro, and only one layer may be") {
    Layers planned = layers_of(overlays({{"data.sqfs", true}, {"env.img", false}}));
    CHECK(planned.layers == std::vector<OverlayLayer>{{"", 0, false}, {"", 1, true}});
    CHECK(planned.images[1].writable);
    CHECK(planned.images[1].file_system == ImageMount::FileSystem::ext3);

    Layers read_only = layers_of(overlays({{"env.img", true}, {"more.img", false}}));
    CHECK(read_only.layers == std::vector<OverlayLayer>{{"", 0, false}, {"", 1, true}});
    CHECK_FALSE(read_only.images[0].writable);

    CHECK(error_message([] { layers_of(overlays({{"env.img", false}, {"more.img", false}})); }) ==
          "--overlay: only one overlay can be writable, and env.img and more.img both are (add :ro to one)");
    CHECK(error_message([] { layers_of(overlays({{"dir", false}, {"env.img", false}})); }) ==
          "--overlay: only one overlay can be writable, and dir and env.img both are (add :ro to one)");
}

TEST_CASE("image layers: a file that is no image is refused naming the overlay") {
    CHECK(error_message([] { layers_of(overlays({{"notes.txt", true}})); }, hpc::ExitCode::data) ==
          "--overlay notes.txt: /work/notes.txt: not a squashfs, ext3 or SIF image");
    CHECK(error_message([] { layers_of(overlays({{"gone.img", true}})); }, hpc::ExitCode::no_input) ==
          "--overlay gone.img: no such file or directory");
    hpc::site::SiteConfig site;
    site.binds.allow = {"/scratch"};
    CHECK(error_message([&] { layers_of(overlays({{"data.sqfs", true}}), plain_image(), site); }, hpc::ExitCode::denied) ==
          "denied by site policy: binds.allow: /work/data.sqfs");
}

TEST_CASE("image layers: a SIF's overlay partition is the lowest layer, writable with --writable") {
    ImageSummary sif = hpc::test::invented_image("/work/tools.sif", "dora", {"/usr"});
    sif.overlay_partition = true;
    Layers read_only = layers_of(overlays({{"data.sqfs", true}}), sif);
    CHECK(read_only.layers == std::vector<OverlayLayer>{{"", 0, false}, {"", 1, false}});
    CHECK(read_only.images[0].offset == overlay_partition_offset);
    CHECK(read_only.images[0].purpose == "/work/tools.sif's overlay partition");
    CHECK_FALSE(read_only.images[0].writable);

    LaunchRequest writable;
    writable.writable = true;
    Layers written = layers_of(writable, sif);
    CHECK(written.layers == std::vector<OverlayLayer>{{"", 0, true}});
    CHECK(written.images[0].writable);
    writable.overlays = {{"env.img", false}};
    CHECK(error_message([&] { layers_of(writable, sif); }) ==
          "--overlay env.img: --writable and a writable overlay cannot be used together");
}

TEST_CASE("image binds: a path inside the image, read-only, one mount for every bind of one file system") {
    LaunchRequest request;
    request.binds = {image_bind("data.sqfs", "/data", "/sub/"), image_bind("/work/data.sqfs", "/ref", "/"),
                     image_bind("tools.sif", "/tools", "/")};
    request.binds[2].image_id = 1;
    std::vector<ImageMount> images;
    std::vector<MountStep> steps = plan_user_binds(request, dora_host(), {}, images);
    REQUIRE(steps.size() == 3);
    CHECK(steps[0].kind == MountKind::image);
    CHECK(steps[0].source == "/sub");
    CHECK(steps[0].target == "/data");
    CHECK(steps[0].read_only);
    CHECK(steps[0].image == 0);
    CHECK(steps[1].image == 0);  // the same data set: the same mount
    CHECK(steps[2].image == 1);
    REQUIRE(images.size() == 2);
    CHECK(images[1].offset == 4096);
    CHECK(images[0].purpose == "bind data.sqfs to /data");

    LaunchPlan plan;
    plan.images = images;
    plan.mounts = steps;
    std::string text = describe(plan);
    CHECK(text.find("image 0: /work/data.sqfs (squashfs, served by hpc, read-only)  # bind data.sqfs to /data\n") !=
          std::string::npos);
    CHECK(text.find("image 1: /work/tools.sif (sif partition at byte 4096, served by hpc, read-only)") != std::string::npos);
    CHECK(text.find("  bind image 0:/sub -> /data ro  # bind data.sqfs to /data\n") != std::string::npos);
}

TEST_CASE("image binds: an ext3 image is bound read-only and keeps the launch's mount its own") {
    LaunchRequest request;
    request.binds = {image_bind("env.img", "/env", "/upper")};
    std::vector<ImageMount> images;
    plan_user_binds(request, dora_host(), {}, images);
    REQUIRE(images.size() == 1);
    CHECK_FALSE(images[0].writable);
    CHECK_FALSE(shares_mount(request, plain_image(), {}, NetworkMode::host, images));
    images[0].file_system = ImageMount::FileSystem::squashfs;
    CHECK(shares_mount(request, plain_image(), {}, NetworkMode::host, images));
}

TEST_CASE("image binds: the source is judged as a bind's, and a writable image mount is never reused") {
    hpc::site::SiteConfig site;
    site.binds.deny = {"/work"};
    LaunchRequest request;
    request.binds = {image_bind("data.sqfs", "/data", "/")};
    std::vector<ImageMount> images;
    CHECK(error_message([&] { plan_user_binds(request, dora_host(), site, images); }, hpc::ExitCode::denied) ==
          "denied by site policy: binds.deny: /work/data.sqfs");
    ImageMount writable;
    writable.writable = true;
    writable.path = "/work/data.sqfs";
    ImageMount same = writable;
    same.writable = false;
    std::vector<ImageMount> list{writable};
    CHECK(add_image_mount(list, same) == 1);
    CHECK(add_image_mount(list, same) == 1);
}
