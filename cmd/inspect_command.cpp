#include "cmd/inspect_command.hpp"

#include "cmd/instance_entry.hpp"
#include "common/error.hpp"
#include "image/serve/squashfs_server.hpp"
#include "image/tree/image_file.hpp"
#include "image/tree/image_tree.hpp"
#include "image/tree/image_metadata.hpp"

#include <nlohmann/json.hpp>

#include <iostream>

namespace hpc::cmd {
namespace {

// Apptainer shows the labels when no other part is asked for, and everything with --all.
InspectOptions resolve_selection(InspectOptions options) {
    if (options.all) {
        options.labels = options.deffile = options.runscript = options.startscript = options.test =
            options.helpfile = options.environment = options.oci = options.json = true;
    }
    if (!(options.deffile || options.runscript || options.startscript || options.test || options.helpfile ||
          options.environment || options.oci))
        options.labels = true;
    return options;
}

// A file of the image under its path, as the environment files are shown.
void print_file(const std::string& path, const std::string& content) {
    std::cout << "=== " << path << " ===\n" << content << "\n\n";
}

void print_text(const InspectOptions& options, const image::ImageMetadata& metadata) {
    auto section = [](bool wanted, const std::string& text) {
        if (wanted && !text.empty()) std::cout << text << "\n";
    };
    section(options.deffile, metadata.deffile);
    section(options.runscript, metadata.runscript);
    section(options.startscript, metadata.startscript);
    section(options.test, metadata.test);
    section(options.helpfile, metadata.helpfile);
    if (options.environment)
        for (const auto& [file, content] : metadata.environment) print_file(file, content);
    if (options.oci) {
        if (!metadata.oci_manifest.empty()) print_file(image::oci_manifest_path, metadata.oci_manifest);
        if (!metadata.oci_config.empty()) print_file(image::oci_config_path, metadata.oci_config);
    }
    if (options.labels)
        for (const auto& [key, value] : metadata.labels) std::cout << key << ": " << value << "\n";
}

// An OCI document for --json: the object itself, its members in the file's order.
nlohmann::ordered_json oci_document(const std::string& text, const char* path) {
    nlohmann::ordered_json parsed = nlohmann::ordered_json::parse(text, nullptr, false);
    if (parsed.is_discarded() || !parsed.is_object()) throw Error(ExitCode::data, std::string(path) + ": not a JSON object");
    return parsed;
}

// Apptainer's inspect.Metadata, fields in its order, empty ones left out; hpc's OCI ones last.
void print_json(const InspectOptions& options, const image::ImageMetadata& metadata) {
    nlohmann::ordered_json attributes = nlohmann::ordered_json::object();
    if (options.environment && !metadata.environment.empty()) attributes["environment"] = metadata.environment;
    if (options.labels && !metadata.labels.empty()) attributes["labels"] = metadata.labels;
    auto text = [&](bool wanted, const char* key, const std::string& value) {
        if (wanted && !value.empty()) attributes[key] = value;
    };
    text(options.runscript, "runscript", metadata.runscript);
    text(options.test, "test", metadata.test);
    text(options.helpfile, "helpfile", metadata.helpfile);
    text(options.deffile, "deffile", metadata.deffile);
    text(options.startscript, "startscript", metadata.startscript);
    if (options.oci && !metadata.oci_manifest.empty())
        attributes["oci-manifest"] = oci_document(metadata.oci_manifest, image::oci_manifest_path);
    if (options.oci && !metadata.oci_config.empty())
        attributes["oci-config"] = oci_document(metadata.oci_config, image::oci_config_path);
    nlohmann::ordered_json document;
    document["data"]["attributes"] = attributes;
    document["type"] = "container";
    std::cout << document.dump(1, '\t') << "\n";
}

image::ImageMetadata metadata_of(const std::string& word, const RegistryOptions& registry) {
    RunnableImage runnable(is_instance_reference(word) ? instance_image(word) : word, registry);
    image::ImageFile image = image::ImageFile::open(runnable.path());
    return image::read_metadata(image, *image::open_tree(image));
}

}  // namespace

void add_inspect_options(CLI::App& command, InspectOptions& options) {
    command.add_flag("-l,--labels", options.labels, "show the labels (the default)");
    command.add_flag("-d,--deffile", options.deffile, "show the definition file the image was built from");
    command.add_flag("-r,--runscript", options.runscript, "show the runscript");
    command.add_flag("-s,--startscript", options.startscript, "show the startscript");
    command.add_flag("-t,--test", options.test, "show the test script");
    command.add_flag("-H,--helpfile", options.helpfile, "show the runscript's help");
    command.add_flag("-e,--environment", options.environment, "show the environment files");
    command.add_flag("--oci", options.oci, "show the OCI manifest and config of an image built from one");
    command.add_flag("-j,--json", options.json, "print JSON instead of sections");
    command.add_flag("--all", options.all, "show everything (implies --json)");
    add_registry_options(command, options.registry);
    command.add_option("image", options.image, "the image: SIF, squashfs or directory, docker:// or oras://")
        ->required();
}

int run_inspect(const InspectOptions& requested) {
    InspectOptions options = resolve_selection(requested);
    image::ImageMetadata metadata = metadata_of(options.image, options.registry);
    if (options.json)
        print_json(options, metadata);
    else
        print_text(options, metadata);
    return 0;
}

void add_run_help_options(CLI::App& command, RunHelpOptions& options) {
    command.add_option("image", options.image, "the image: SIF, squashfs or directory")->required();
}

int run_run_help(const RunHelpOptions& options) {
    InspectOptions helpfile_only;
    helpfile_only.helpfile = true;
    image::ImageMetadata metadata = metadata_of(options.image, {});
    // Apptainer's run-help prints `inspect --helpfile`'s output, or this line when it is empty.
    if (metadata.helpfile.empty())
        std::cout << "No help sections were defined for this image\n";
    else
        print_text(helpfile_only, metadata);
    return 0;
}

}  // namespace hpc::cmd
