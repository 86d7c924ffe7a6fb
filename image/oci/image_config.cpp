#include "image/oci/image_config.hpp"

#include "image/oci/digest_text.hpp"
#include "image/oci/index_document.hpp"
#include "image/oci/json_document.hpp"
#include "common/printable.hpp"

#include <map>

namespace hpc::image::oci {
namespace {

// Environment entries and arguments a config may have: far beyond any real image, and small
// enough that a hostile one costs little.
constexpr std::size_t max_strings = 10000;

std::vector<std::pair<std::string, std::string>> parse_labels(const Json& run, const std::string& context) {
    const Json* labels = member(run, "Labels");
    if (!labels) return {};
    if (!labels->is_object()) bad_document(context, "Labels is not a JSON object");
    if (labels->size() > max_strings)
        bad_document(context, "Labels has more than " + std::to_string(max_strings) + " entries");
    // nlohmann's object keeps its keys sorted: the pairs come out by name, as RunConfig says.
    std::vector<std::pair<std::string, std::string>> sorted;
    for (const auto& [name, value] : labels->items()) {
        if (!value.is_string()) bad_document(context, "Labels: " + quoted_printable(name) + " is not a string");
        sorted.emplace_back(name, value.get<std::string>());
    }
    return sorted;
}

RunConfig parse_run_config(const Json& document, const std::string& context) {
    const Json* run = member(document, "config");
    if (!run) return {};
    std::string run_context = context + ": config";
    if (!run->is_object()) bad_document(context, "config is not a JSON object");
    RunConfig config;
    config.env = string_array_member(*run, "Env", run_context, max_strings);
    config.entrypoint = string_array_member(*run, "Entrypoint", run_context, max_strings);
    config.cmd = string_array_member(*run, "Cmd", run_context, max_strings);
    config.working_dir = string_member(*run, "WorkingDir", run_context);
    config.user = string_member(*run, "User", run_context);
    config.labels = parse_labels(*run, run_context);
    return config;
}

std::vector<std::string> parse_diff_ids(const Json& document, const std::string& context) {
    const Json* rootfs = member(document, "rootfs");
    if (!rootfs) return {};
    std::string rootfs_context = context + ": rootfs";
    if (!rootfs->is_object()) bad_document(context, "rootfs is not a JSON object");
    std::vector<std::string> diff_ids = string_array_member(*rootfs, "diff_ids", rootfs_context, max_entries);
    for (const std::string& digest : diff_ids)
        if (!is_valid_digest(digest))
            bad_document(rootfs_context, "diff_ids: " + quoted_printable(digest) + " is not a valid digest");
    return diff_ids;
}

}  // namespace

ImageConfig parse_image_config(std::string_view bytes, const std::string& context) {
    Json document = parse_json_object(bytes, context);
    ImageConfig config;
    config.architecture = string_member(document, "architecture", context, true);
    config.os = string_member(document, "os", context, true);
    config.variant = string_member(document, "variant", context);
    config.run = parse_run_config(document, context);
    config.diff_ids = parse_diff_ids(document, context);
    return config;
}

void take_config(Image& image, ImageConfig config) {
    image.architecture = std::move(config.architecture);
    image.os = std::move(config.os);
    image.variant = std::move(config.variant);
    image.run = std::move(config.run);
}

}  // namespace hpc::image::oci
