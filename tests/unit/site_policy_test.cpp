#include "common/error.hpp"
#include "sandbox/plan/site_policy.hpp"
#include "site-config/site_config.hpp"

#include "thrown_error.hpp"

#include <catch2/catch.hpp>

using hpc::ExitCode;
using hpc::sandbox::check_bind_source;
using hpc::sandbox::check_fakeroot;
using hpc::sandbox::check_image;
using hpc::sandbox::path_is_within;
using hpc::site::SiteConfig;

namespace {

std::string denial(const std::function<void()>& check) { return hpc::test::error_message(check, ExitCode::denied); }

std::string bind_denial(const SiteConfig& config, const std::string& source) {
    return denial([&] { check_bind_source(config, source); });
}

SiteConfig with_binds(std::vector<std::string> allow, std::vector<std::string> deny) {
    SiteConfig config;
    config.binds.allow = std::move(allow);
    config.binds.deny = std::move(deny);
    return config;
}

}  // namespace

TEST_CASE("site policy: paths match by whole components", "[site]") {
    CHECK(path_is_within("/scratch", "/scratch"));
    CHECK(path_is_within("/scratch/a/b", "/scratch"));
    CHECK_FALSE(path_is_within("/scratch2", "/scratch"));
    CHECK_FALSE(path_is_within("/scratch2/a", "/scratch"));
    CHECK_FALSE(path_is_within("/scratc", "/scratch"));
    CHECK_FALSE(path_is_within("/", "/scratch"));
    CHECK(path_is_within("/anything", "/"));
    CHECK(path_is_within("/", "/"));
    // Lexically normalised on both sides, so no spelling gets around a rule.
    CHECK(path_is_within("/scratch//a/./b/", "/scratch/"));
    CHECK(path_is_within("//scratch", "/scratch"));
    CHECK_FALSE(path_is_within("/scratch/../etc/shadow", "/scratch"));
    CHECK(path_is_within("/scratch/../etc/shadow", "/etc"));
}

TEST_CASE("site policy: an empty binds.allow allows any source, binds.deny still refuses", "[site]") {
    SiteConfig open;
    CHECK_NOTHROW(check_bind_source(open, "/etc/shadow"));
    CHECK_NOTHROW(check_bind_source(open, "/"));

    SiteConfig denying = with_binds({}, {"/root", "/etc/shadow"});
    CHECK_NOTHROW(check_bind_source(denying, "/scratch"));
    CHECK_NOTHROW(check_bind_source(denying, "/rootfs"));
    CHECK(bind_denial(denying, "/root") == "denied by site policy: binds.deny: /root");
    CHECK(bind_denial(denying, "/root/x") == "denied by site policy: binds.deny: /root/x");
    CHECK(bind_denial(denying, "/etc/shadow") == "denied by site policy: binds.deny: /etc/shadow");
    CHECK_NOTHROW(check_bind_source(denying, "/etc/shadow-"));
    CHECK(bind_denial(denying, "/scratch/../root/.ssh") == "denied by site policy: binds.deny: /scratch/../root/.ssh");
}

TEST_CASE("site policy: binds.allow lists the sources a user may bind", "[site]") {
    SiteConfig config = with_binds({"/scratch", "/home"}, {});
    CHECK_NOTHROW(check_bind_source(config, "/scratch"));
    CHECK_NOTHROW(check_bind_source(config, "/scratch/a/b"));
    CHECK_NOTHROW(check_bind_source(config, "/home/alice"));
    CHECK(bind_denial(config, "/scratch2") == "denied by site policy: binds.allow: /scratch2");
    CHECK(bind_denial(config, "/etc") == "denied by site policy: binds.allow: /etc");
    CHECK(bind_denial(config, "/") == "denied by site policy: binds.allow: /");
}

TEST_CASE("site policy: binds.deny wins over binds.allow", "[site]") {
    SiteConfig config = with_binds({"/home"}, {"/home/secret"});
    CHECK_NOTHROW(check_bind_source(config, "/home/alice"));
    CHECK(bind_denial(config, "/home/secret") == "denied by site policy: binds.deny: /home/secret");
    CHECK(bind_denial(config, "/home/secret/key") == "denied by site policy: binds.deny: /home/secret/key");
    SiteConfig same = with_binds({"/data"}, {"/data"});
    CHECK(bind_denial(same, "/data/x") == "denied by site policy: binds.deny: /data/x");
}

TEST_CASE("site policy: a relative path is the caller's bug, never judged", "[site]") {
    CHECK(hpc::test::error_message([] { check_bind_source(SiteConfig{}, "scratch"); }, ExitCode::software) ==
          "site policy: 'scratch' is not an absolute path");
    CHECK(hpc::test::thrown_error([] { check_image(SiteConfig{}, "x.sif", "sif", "alice"); }).code() ==
          ExitCode::software);
}

TEST_CASE("site policy: images.allow_paths", "[site]") {
    SiteConfig config;
    CHECK_NOTHROW(check_image(config, "/home/alice/x.sif", "sif", "alice"));
    config.images.allow_paths = {"/apps/images", "/scratch"};
    CHECK_NOTHROW(check_image(config, "/apps/images/x.sif", "sif", "alice"));
    CHECK_NOTHROW(check_image(config, "/scratch/alice/x.sif", "sif", "alice"));
    CHECK(denial([&] { check_image(config, "/home/alice/x.sif", "sif", "alice"); }) ==
          "denied by site policy: images.allow_paths: /home/alice/x.sif");
    CHECK(denial([&] { check_image(config, "/scratch2/x.sif", "sif", "alice"); }) ==
          "denied by site policy: images.allow_paths: /scratch2/x.sif");
}

TEST_CASE("site policy: images.allow_formats", "[site]") {
    SiteConfig config;
    for (const char* format : {"sif", "squashfs", "dir"}) CHECK_NOTHROW(check_image(config, "/x", format, "alice"));
    config.images.allow_formats = {"sif"};
    CHECK_NOTHROW(check_image(config, "/x.sif", "sif", "alice"));
    CHECK(denial([&] { check_image(config, "/x.sqfs", "squashfs", "alice"); }) ==
          "denied by site policy: images.allow_formats: squashfs (/x.sqfs)");
    CHECK(denial([&] { check_image(config, "/sandbox", "dir", "alice"); }) ==
          "denied by site policy: images.allow_formats: dir (/sandbox)");
    config.images.allow_formats.clear();  // nothing may run
    CHECK(denial([&] { check_image(config, "/x.sif", "sif", "alice"); }) ==
          "denied by site policy: images.allow_formats: sif (/x.sif)");
}

TEST_CASE("site policy: images.allow_owners", "[site]") {
    SiteConfig config;
    CHECK_NOTHROW(check_image(config, "/x.sif", "sif", "mallory"));
    config.images.allow_owners = {"root", "apps"};
    CHECK_NOTHROW(check_image(config, "/x.sif", "sif", "root"));
    CHECK_NOTHROW(check_image(config, "/x.sif", "sif", "apps"));
    CHECK(denial([&] { check_image(config, "/home/alice/x.sif", "sif", "alice"); }) ==
          "denied by site policy: images.allow_owners: alice (owner of /home/alice/x.sif)");
    CHECK(denial([&] { check_image(config, "/x.sif", "sif", "app"); }) ==
          "denied by site policy: images.allow_owners: app (owner of /x.sif)");
}

TEST_CASE("site policy: images are checked by path, then format, then owner", "[site]") {
    SiteConfig config;
    config.images.allow_paths = {"/apps"};
    config.images.allow_formats = {"sif"};
    config.images.allow_owners = {"root"};
    CHECK_NOTHROW(check_image(config, "/apps/x.sif", "sif", "root"));
    CHECK(denial([&] { check_image(config, "/tmp/x", "dir", "alice"); }).starts_with(
        "denied by site policy: images.allow_paths: "));
    CHECK(denial([&] { check_image(config, "/apps/x", "dir", "alice"); }).starts_with(
        "denied by site policy: images.allow_formats: "));
}

TEST_CASE("site policy: fakeroot.allow and fakeroot.allow_without_subuid", "[site]") {
    SiteConfig config;
    CHECK_NOTHROW(check_fakeroot(config, false));
    CHECK_NOTHROW(check_fakeroot(config, true));

    config.fakeroot.allow_without_subuid = false;
    CHECK_NOTHROW(check_fakeroot(config, false));
    CHECK(denial([&] { check_fakeroot(config, true); }) ==
          "denied by site policy: fakeroot.allow_without_subuid: --fakeroot for a user without a subordinate id "
          "range");

    config.fakeroot.allow = false;
    config.fakeroot.allow_without_subuid = true;
    CHECK(denial([&] { check_fakeroot(config, false); }) == "denied by site policy: fakeroot.allow: --fakeroot");
    CHECK(denial([&] { check_fakeroot(config, true); }) == "denied by site policy: fakeroot.allow: --fakeroot");
}
