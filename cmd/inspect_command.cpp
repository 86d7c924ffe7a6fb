#include "cmd/inspect_command.hpp"

#include "cmd/instance_entry.hpp"
#include "common/error.hpp"
#include "common/scif_layout.hpp"
#include "image/serve/squashfs_server.hpp"
#include "image/tree/image_file.hpp"
#include "image/tree/image_tree.hpp"
#include "image/tree/image_metadata.hpp"

#include <nlohmann/json.hpp>

#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <vector>

namespace hpc::cmd {
namespace {

// Apptainer shows the labels when no other part is asked for, and everything with --all (every
// app's too, --app then being ignored, as there).
InspectOptions resolve_selection(InspectOptions options) {
    if (options.all) {
        options.labels = options.deffile = options.runscript = options.startscript = options.test =
            options.helpfile = options.environment = options.oci = options.json = true;
        options.app.clear();
    }
    if (!(options.deffile || options.runscript || options.startscript || options.test || options.helpfile ||
          options.environment || options.oci || options.list_apps))
        options.labels = true;
    return options;
}

// What the image has of its SCIF apps, for --list-apps, --app and --all.
struct Apps {
    std::vector<std::string> names;                       // --list-apps, --all
    std::map<std::string, image::AppMetadata> inspected;  // --app's, or every app's with --all
};

Apps read_apps(const InspectOptions& options, const image::ImageTree& tree, const std::string& image) {
    Apps apps;
    if (options.list_apps || options.all) apps.names = image::list_apps(tree);
    std::vector<std::string> wanted = options.all ? apps.names : std::vector<std::string>{};
    if (!options.app.empty()) {
        if (!scif::is_app_name(options.app))
            throw Error(ExitCode::usage,
                        "--app " + options.app + ": not an app name (" + std::string(scif::app_name_rule) + ")");
        wanted.push_back(options.app);
    }
    for (const std::string& name : wanted) {
        std::optional<image::AppMetadata> app = image::read_app_metadata(tree, name);
        // Apptainer shows nothing for an app the image has not got; hpc says so, as its run does.
        if (!app) throw Error(ExitCode::no_input, image + ": no app " + name + " in the image");
        apps.inspected.emplace(name, std::move(*app));
    }
    return apps;
}

// With --app, the parts Apptainer shows are the app's (the definition stays the image's).
image::ImageMetadata shown_parts(const InspectOptions& options, image::ImageMetadata metadata, const Apps& apps) {
    if (options.app.empty()) return metadata;
    const image::AppMetadata& app = apps.inspected.at(options.app);
    image::ImageMetadata shown;
    shown.deffile = std::move(metadata.deffile);
    shown.labels = app.labels;
    shown.runscript = app.runscript;
    shown.startscript = app.startscript;
    shown.test = app.test;
    shown.helpfile = app.helpfile;
    shown.environment = app.environment;
    return shown;
}

// A file of the image under its path, as the environment files are shown.
void print_file(const std::string& path, const std::string& content) {
    std::cout << "=== " << path << " ===\n" << content << "\n\n";
}

void print_text(const InspectOptions& options, const image::ImageMetadata& metadata, const Apps& apps = {}) {
    if (options.list_apps)
        for (const std::string& name : apps.names) std::cout << name << "\n";
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

// An app's inspect.AppAttributes: the parts asked for, in Apptainer's order, empty ones left out.
nlohmann::ordered_json app_json(const InspectOptions& options, const image::AppMetadata& app) {
    nlohmann::ordered_json attributes = nlohmann::ordered_json::object();
    if (options.environment && !app.environment.empty()) attributes["environment"] = app.environment;
    if (options.labels && !app.labels.empty()) attributes["labels"] = app.labels;
    auto text = [&](bool wanted, const char* key, const std::string& value) {
        if (wanted && !value.empty()) attributes[key] = value;
    };
    text(options.runscript, "runscript", app.runscript);
    text(options.startscript, "startscript", app.startscript);
    text(options.test, "test", app.test);
    text(options.helpfile, "helpfile", app.helpfile);
    return attributes;
}

// Apptainer's inspect.Metadata, fields in its order, empty ones left out; hpc's OCI ones last.
// With --app, the parts asked for are under "apps", the app's name; --list-apps names every app
// there, an empty object for each but --app's.
void print_json(const InspectOptions& requested, const image::ImageMetadata& metadata, const Apps& apps = {}) {
    nlohmann::ordered_json attributes = nlohmann::ordered_json::object();
    nlohmann::ordered_json app_attributes = nlohmann::ordered_json::object();
    for (const std::string& name : apps.names) app_attributes[name] = nlohmann::ordered_json::object();
    for (const auto& [name, app] : apps.inspected) app_attributes[name] = app_json(requested, app);
    if (!app_attributes.empty()) attributes["apps"] = app_attributes;
    // The image's own parts, but for its definition, are not shown with --app.
    InspectOptions options = requested;
    if (!options.app.empty())
        options.environment = options.labels = options.runscript = options.test = options.helpfile =
            options.startscript = false;
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

struct Inspected {
    image::ImageMetadata metadata;
    Apps apps;
};

Inspected inspect_image(const InspectOptions& options, const RegistryOptions& registry) {
    const std::string& word = options.image;
    RunnableImage runnable(is_instance_reference(word) ? instance_image(word) : word, registry);
    image::ImageFile image = image::ImageFile::open(runnable.path());
    std::unique_ptr<image::ImageTree> tree = image::open_tree(image);
    Inspected inspected{image::read_metadata(image, *tree), {}};
    inspected.apps = read_apps(options, *tree, options.image);
    return inspected;
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
    command.add_flag("--all", options.all, "show everything, every SCIF app's too (implies --json)");
    command.add_flag("--list-apps", options.list_apps, "list the image's SCIF apps");
    command.add_option("--app", options.app,
                       "show the SCIF app's parts instead of the image's: labels, runscript, test, help, environment");
    add_registry_options(command, options.registry);
    command.add_option("image", options.image, "the image: SIF, squashfs or directory, docker:// or oras://")
        ->required();
}

int run_inspect(const InspectOptions& requested) {
    InspectOptions options = resolve_selection(requested);
    Inspected inspected = inspect_image(options, options.registry);
    if (options.json)
        print_json(options, inspected.metadata, inspected.apps);
    else
        print_text(options, shown_parts(options, std::move(inspected.metadata), inspected.apps), inspected.apps);
    return 0;
}

void add_run_help_options(CLI::App& command, RunHelpOptions& options) {
    command.add_option("--app", options.app, "show the SCIF app's help (%apphelp) instead of the image's");
    command.add_option("image", options.image, "the image: SIF, squashfs or directory")->required();
}

int run_run_help(const RunHelpOptions& options) {
    InspectOptions helpfile_only;
    helpfile_only.helpfile = true;
    helpfile_only.image = options.image;
    helpfile_only.app = options.app;
    Inspected inspected = inspect_image(helpfile_only, {});
    image::ImageMetadata metadata = shown_parts(helpfile_only, std::move(inspected.metadata), inspected.apps);
    // Apptainer's run-help prints `inspect --helpfile`'s output, or this line when it is empty.
    if (metadata.helpfile.empty())
        std::cout << "No help sections were defined for this image\n";
    else
        print_text(helpfile_only, metadata);
    return 0;
}

}  // namespace hpc::cmd
