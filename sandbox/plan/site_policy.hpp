// What the site config (site-config/) forbids a launch: bind sources, images, --fakeroot.
// Pure checks, no I/O: the caller resolves every path to its canonical form (links followed)
// first, since a policy on paths means nothing against a path that still holds a link or "..".
// Each refusal throws hpc::Error(denied, "denied by site policy: <key>: <item>"), naming the
// config key that refused and what it refused.
#pragma once

#include "site-config/site_config.hpp"

#include <string>
#include <string_view>

namespace hpc::sandbox {

// A user's bind source. binds.deny wins over binds.allow; an empty allow allows any source.
// Paths match by whole components: "/scratch" covers "/scratch" and "/scratch/a/b", never
// "/scratch2". Not for binds.default, which are the admin's own.
void check_bind_source(const site::SiteConfig& config, const std::string& canonical_source);

// The image to run: its path under one of images.allow_paths, its format ("sif", "squashfs" or
// "dir") in images.allow_formats, its owner's user name in images.allow_owners (empty lists allow any).
void check_image(const site::SiteConfig& config, const std::string& canonical_path, std::string_view format,
                 const std::string& owner_name);

// --fakeroot: fakeroot.allow, and, for a user without a subordinate id range (the one-id
// seccomp fallback), fakeroot.allow_without_subuid too.
void check_fakeroot(const site::SiteConfig& config, bool without_subuid);

// Whether `path` is `directory` or lies below it, by whole components, both normalised
// lexically first ("." and "//" dropped, ".." resolved). Both must be absolute.
bool path_is_within(std::string_view path, std::string_view directory);

}  // namespace hpc::sandbox
