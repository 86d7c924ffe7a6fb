#include "image/cache/cache_location.hpp"

#include "common/environ.hpp"

#include <optional>
#include <string_view>

namespace hpc::image::cache {

std::string cache_root(const std::vector<std::string>& environ, const std::string& site_default, const std::string& home) {
    for (std::string_view name : {"HPC_CACHEDIR", "APPTAINER_CACHEDIR", "SINGULARITY_CACHEDIR"}) {
        std::optional<std::string_view> value = environ_value(environ, name);
        if (value && !value->empty()) return std::string(*value);
    }
    if (!site_default.empty()) return site_default;
    std::optional<std::string_view> xdg = environ_value(environ, "XDG_CACHE_HOME");
    if (xdg && xdg->starts_with('/')) return std::string(*xdg) + "/hpc";
    return home + "/.cache/hpc";
}

}  // namespace hpc::image::cache
