// Bootstrap: debootstrap: the header keys it needs, and debootstrap's command line.
#include "builder/debootstrap.hpp"
#include "builder/stage_root.hpp"

#include "definition_cases.hpp"
#include "thrown_error.hpp"

#include <catch2/catch.hpp>

using hpc::builder::Bootstrap;
using hpc::builder::DebootstrapSource;
using hpc::builder::debootstrap_argv;

TEST_CASE("debootstrap: OSVersion, MirrorURL and Include from the header, any case", "[debootstrap]") {
    Bootstrap bootstrap = Bootstrap::of(
        hpc::test::single_stage("BootStrap: DebootStrap\nosversion: bookworm\nMIRRORURL: http://m/debian\n"
                                "Include: netbase, less  vim\n"),
        "app.def", "amd64", {});
    CHECK(bootstrap.agent == Bootstrap::Agent::debootstrap);
    CHECK(bootstrap.needs_fakeroot());
    CHECK(bootstrap.debootstrap.os_version == "bookworm");
    CHECK(bootstrap.debootstrap.mirror == "http://m/debian");
    CHECK(debootstrap_argv(bootstrap.debootstrap, "/w/root") ==
          std::vector<std::string>{"debootstrap", "--variant=minbase", "--include=netbase,less,vim", "bookworm",
                                   "/w/root", "http://m/debian"});
    CHECK(debootstrap_argv(DebootstrapSource{"jammy", "http://m/ubuntu", ""}, "/r") ==
          std::vector<std::string>{"debootstrap", "--variant=minbase", "jammy", "/r", "http://m/ubuntu"});
}

TEST_CASE("debootstrap: a header without OSVersion or MirrorURL is refused with its line", "[debootstrap]") {
    auto error_of_bootstrap = [](const std::string& text) {
        return hpc::test::error_message([&] { Bootstrap::of(hpc::test::single_stage(text), "app.def", "amd64", {}); },
                                        hpc::ExitCode::data);
    };
    CHECK(error_of_bootstrap("Bootstrap: debootstrap\nMirrorURL: http://m/debian\n") ==
          "app.def:1: Bootstrap: debootstrap needs an OSVersion: (e.g. bookworm)");
    CHECK(error_of_bootstrap("Bootstrap: debootstrap\nOSVersion: bookworm\n") ==
          "app.def:1: Bootstrap: debootstrap needs a MirrorURL:");
    CHECK(error_of_bootstrap("Bootstrap: yum\n") ==
          "app.def:1: bootstrap agent 'yum' is not supported by this hpc (localimage, scratch, debootstrap, oci, "
          "oci-archive, docker-archive, docker, oras)");
    CHECK(error_of_bootstrap("Bootstrap: oci-archive\n") == "app.def:1: Bootstrap: oci-archive needs a From: image");
    CHECK(error_of_bootstrap("Bootstrap: docker\n") == "app.def:1: Bootstrap: docker needs a From: image");
    CHECK(error_of_bootstrap("Bootstrap: docker\nFrom: Alpine\n").starts_with("app.def:1: "));
}
