// The effective policy as TOML, written by hand: toml++'s formatter would cost every build of
// this layer its compile time, and the shape here is fixed and small.
#include "site-config/site_config.hpp"

#include "common/bind_syntax.hpp"

#include <cstdio>

namespace hpc::site {
namespace {

// A TOML basic string: quotes, backslashes and control characters escaped.
std::string quoted(std::string_view text) {
    std::string out = "\"";
    for (char c : text) {
        if (c == '"' || c == '\\') {
            out += '\\';
            out += c;
        } else if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
            char escape[8];
            std::snprintf(escape, sizeof escape, "\\u%04x", static_cast<unsigned>(static_cast<unsigned char>(c)));
            out += escape;
        } else {
            out += c;
        }
    }
    return out + "\"";
}

std::string string_list(const std::vector<std::string>& items) {
    std::string out = "[";
    for (const std::string& item : items) out += (out.size() > 1 ? ", " : "") + quoted(item);
    return out + "]";
}

std::string_view boolean(bool value) { return value ? "true" : "false"; }

// The shortest spec that reads back to the same bind (a ':' or ',' in a path escaped).
std::string bind_spec(const DefaultBind& bind) {
    std::string spec = escape_bind_field(bind.source);
    if (bind.destination != bind.source || bind.read_only) spec += ":" + escape_bind_field(bind.destination);
    if (bind.read_only) spec += ":ro";
    return spec;
}

}  // namespace

std::string describe(const SiteConfig& config) {
    std::vector<std::string> default_binds;
    for (const DefaultBind& bind : config.binds.default_binds) default_binds.push_back(bind_spec(bind));

    std::string out;
    auto line = [&out](std::string_view key, std::string_view value) {
        out.append(key).append(" = ").append(value).append("\n");
    };
    out += "[binds]\n";
    line("default", string_list(default_binds));
    line("allow", string_list(config.binds.allow));
    line("deny", string_list(config.binds.deny));
    out += "\n[images]\n";
    line("allow_paths", string_list(config.images.allow_paths));
    line("allow_formats", string_list(config.images.allow_formats));
    line("allow_owners", string_list(config.images.allow_owners));
    out += "\n[fakeroot]\n";
    line("allow", boolean(config.fakeroot.allow));
    line("allow_without_subuid", boolean(config.fakeroot.allow_without_subuid));
    out += "\n[network]\n";
    line("allow", string_list(config.network.allow));
    line("default", quoted(config.network.default_network));
    out += "\n[mount]\n";
    line("share_per_node", boolean(config.mount.share_per_node));
    line("share_linger", std::to_string(config.mount.share_linger_seconds));
    out += "\n[mpi]\n";
    line("default", quoted(config.mpi.default_mpi));
    line("library", quoted(config.mpi.library));
    out += "\n[slurm]\n";
    line("stage_directory", quoted(config.slurm.stage_directory));
    out += "\n[oci]\n";
    std::string mirrors;
    for (const auto& [registry, mirror] : config.oci.mirrors)
        mirrors += (mirrors.empty() ? " " : ", ") + quoted(registry) + " = " + quoted(mirror);
    line("mirrors", "{" + mirrors + (mirrors.empty() ? "}" : " }"));
    line("allow", string_list(config.oci.allow));
    line("deny", string_list(config.oci.deny));
    line("cache_dir", quoted(config.oci.cache_dir));
    line("tag_check_seconds", std::to_string(config.oci.tag_check_seconds));
    out += "\n[gpu]\n";
    line("nvidia_libraries", string_list(config.gpu.nvidia_libraries));
    line("nvidia_programs", string_list(config.gpu.nvidia_programs));
    line("rocm_libraries", string_list(config.gpu.rocm_libraries));
    line("rocm_programs", string_list(config.gpu.rocm_programs));
    line("require_driver", boolean(config.gpu.require_driver));
    line("cdi_directories", string_list(config.gpu.cdi_directories));
    return out;
}

}  // namespace hpc::site
