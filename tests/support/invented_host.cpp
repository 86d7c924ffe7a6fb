#include "invented_host.hpp"

namespace hpc::test {

sandbox::UserIdentity invented_user(uint32_t id, const std::string& name, const std::string& shell) {
    sandbox::UserIdentity user;
    user.uid = id;
    user.gid = id;
    user.name = name;
    user.home = "/home/" + name;
    user.shell = shell;
    user.groups = {{id, name}};
    return user;
}

sandbox::CanonicalPath invented_paths(std::map<std::string, std::string> links, std::set<std::string> existing) {
    return [links = std::move(links), existing = std::move(existing)](const std::string& path) -> std::optional<std::string> {
        std::string resolved = path;
        for (const auto& [from, to] : links)
            if (resolved == from || resolved.starts_with(from + "/")) resolved = to + resolved.substr(from.size());
        if (!existing.count(resolved)) return std::nullopt;
        return resolved;
    };
}

std::set<std::string> usual_host_paths() {
    return {"/proc", "/sys", "/dev/null", "/dev/zero", "/dev/full", "/dev/random", "/dev/urandom"};
}

sandbox::ImageSummary invented_image(const std::string& path, const std::string& owner, std::set<std::string> paths) {
    sandbox::ImageSummary image;
    image.path = path;
    image.format = "sif";
    image.owner = owner;
    image.facts.has_bin_sh = true;
    image.passwd = "root:x:0:0:root:/root:/bin/sh\n";
    image.group = "root:x:0:\n";
    image.exists = [paths = std::move(paths)](const std::string& file) { return paths.count(file) > 0; };
    return image;
}

}  // namespace hpc::test
