#include "image/tree/image_metadata.hpp"

#include "common/error.hpp"
#include "common/scif_layout.hpp"
#include "common/text.hpp"

#include <nlohmann/json.hpp>

namespace hpc::image {
namespace {

const std::string meta_dir = "/.singularity.d";
constexpr uint64_t largest_object = 16 << 20;

// Apptainer trims trailing newlines (and nothing else) from every part it shows.
std::string trimmed(std::string_view text) { return std::string(trim_end(text, "\n")); }

std::string file_in_image(const ImageTree& tree, const std::string& path) {
    return trimmed(tree.read_file(path).value_or(""));
}

std::map<std::string, std::string> labels_from_json(const std::string& text, const std::string& where) {
    std::map<std::string, std::string> labels;
    if (text.empty()) return labels;
    nlohmann::json parsed = nlohmann::json::parse(text, nullptr, false);
    if (parsed.is_discarded() || !parsed.is_object())
        throw Error(ExitCode::data, where + ": not a JSON object of labels");
    for (const auto& [key, value] : parsed.items()) labels[key] = value.is_string() ? value.get<std::string>() : value.dump();
    return labels;
}

// Apptainer shows the Docker environment files and the %environment ones (9*-environment.sh).
bool is_inspected_environment_file(const std::string& name) {
    return (name.starts_with("10-docker") && name.ends_with(".sh")) ||
           (name.starts_with('9') && name.ends_with("-environment.sh"));
}

const SifDescriptor* find_object(const SifFile& sif, SifDataType type, std::string_view name = {}) {
    for (const SifDescriptor& descriptor : sif.descriptors)
        if (descriptor.data_type == type && (name.empty() || descriptor.name == name)) return &descriptor;
    return nullptr;
}

std::string read_object(const ImageFile& image, const SifDescriptor& descriptor) {
    if (descriptor.size > largest_object)
        throw Error(ExitCode::data, "SIF object " + std::to_string(descriptor.id) + " is too large to show");
    std::string bytes(descriptor.size, '\0');
    FdByteSource(image.fd(), image.file_size()).read_exact(descriptor.offset, bytes.data(), bytes.size());
    return bytes;
}

// What Apptainer's builds store in the SIF itself: it wins over the files in the image.
void merge_sif_objects(const ImageFile& image, ImageMetadata& metadata) {
    const SifFile& sif = *image.sif();
    if (const SifDescriptor* deffile = find_object(sif, SifDataType::deffile))
        metadata.deffile = trimmed(read_object(image, *deffile));
    const SifDescriptor* inspect = find_object(sif, SifDataType::generic_json, "inspect-metadata.json");
    if (!inspect) return;
    nlohmann::json parsed = nlohmann::json::parse(read_object(image, *inspect), nullptr, false);
    if (parsed.is_discarded() || !parsed.contains("data"))
        throw Error(ExitCode::data, "SIF object inspect-metadata.json: not Apptainer's inspect metadata");
    const nlohmann::json& attributes = parsed["data"].value("attributes", nlohmann::json::object());
    auto text = [&](const char* key, std::string& field) {
        if (attributes.contains(key) && attributes[key].is_string()) field = trimmed(attributes[key].get<std::string>());
    };
    text("deffile", metadata.deffile);
    text("runscript", metadata.runscript);
    text("startscript", metadata.startscript);
    text("test", metadata.test);
    text("helpfile", metadata.helpfile);
    if (attributes.contains("labels")) metadata.labels = labels_from_json(attributes["labels"].dump(), "inspect-metadata.json");
    if (attributes.contains("environment") && attributes["environment"].is_object())
        for (const auto& [file, content] : attributes["environment"].items())
            if (content.is_string()) metadata.environment[file] = trimmed(content.get<std::string>());
}

}  // namespace

std::vector<std::string> list_apps(const ImageTree& tree) {
    std::vector<std::string> apps;
    const std::string folder(scif::apps_directory);
    for (const std::string& name : tree.list_directory(folder)) {
        std::optional<EntryInfo> meta = scif::is_app_name(name) ? tree.stat(scif::app_meta(name)) : std::nullopt;
        if (!meta || meta->kind != EntryKind::directory) continue;
        if (apps.size() == scif::max_apps)
            throw Error(ExitCode::data, folder + ": more than " + std::to_string(scif::max_apps) + " SCIF apps");
        apps.push_back(name);
    }
    return apps;
}

std::optional<AppMetadata> read_app_metadata(const ImageTree& tree, const std::string& name) {
    if (!scif::is_app_name(name)) return std::nullopt;
    std::optional<EntryInfo> meta = tree.stat(scif::app_meta(name));
    if (!meta || meta->kind != EntryKind::directory) return std::nullopt;
    auto file = [&](std::string_view part) { return file_in_image(tree, scif::app_meta_file(name, part)); };
    AppMetadata app;
    std::string labels_path = scif::app_meta_file(name, scif::labels_file);
    app.labels = labels_from_json(file_in_image(tree, labels_path), labels_path);
    app.runscript = file(scif::runscript_file);
    app.startscript = file(scif::startscript_file);
    app.test = file(scif::test_file);
    app.helpfile = file(scif::help_file);
    const std::string env = scif::app_meta(name) + "/env";
    for (const std::string& entry : tree.list_directory(env))
        if (entry.starts_with('9') && entry.ends_with("-environment.sh"))
            app.environment[env + "/" + entry] = file_in_image(tree, env + "/" + entry);
    return app;
}

ImageMetadata read_metadata(const ImageFile& image, const ImageTree& tree) {
    ImageMetadata metadata;
    metadata.labels = labels_from_json(file_in_image(tree, meta_dir + "/labels.json"), meta_dir + "/labels.json");
    metadata.deffile = file_in_image(tree, meta_dir + "/Singularity");
    metadata.runscript = file_in_image(tree, meta_dir + "/runscript");
    metadata.startscript = file_in_image(tree, meta_dir + "/startscript");
    metadata.test = file_in_image(tree, meta_dir + "/test");
    metadata.helpfile = file_in_image(tree, meta_dir + "/runscript.help");
    for (const std::string& name : tree.list_directory(meta_dir + "/env"))
        if (is_inspected_environment_file(name))
            metadata.environment[meta_dir + "/env/" + name] = file_in_image(tree, meta_dir + "/env/" + name);
    metadata.oci_manifest = file_in_image(tree, oci_manifest_path);
    metadata.oci_config = file_in_image(tree, oci_config_path);
    if (image.sif()) merge_sif_objects(image, metadata);
    return metadata;
}

}  // namespace hpc::image
