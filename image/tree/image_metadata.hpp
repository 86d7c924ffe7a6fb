// Apptainer's image metadata, as `inspect` shows it: the labels, the definition file, the
// scripts and help, and the environment files, read from /.singularity.d/ (and, for a SIF,
// from its inspect-metadata.json and Def.FILE objects, which Apptainer's builds add); and the
// OCI manifest and config that hpc's builds from an OCI image keep in /.singularity.d/oci/; and
// the same parts of each SCIF app, from /scif/apps/NAME/scif/.
#pragma once

#include "image/tree/image_file.hpp"
#include "image/tree/image_tree.hpp"

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace hpc::image {

struct ImageMetadata {
    std::map<std::string, std::string> labels;       // sorted, as Apptainer prints them
    std::string deffile;
    std::string runscript;
    std::string startscript;
    std::string test;
    std::string helpfile;
    std::map<std::string, std::string> environment;  // file path in the image -> content
    std::string oci_manifest;                        // the file at oci_manifest_path
    std::string oci_config;                          // the file at oci_config_path
};

// Where hpc's builds from an OCI image keep its manifest and config, as they were stored.
inline constexpr const char* oci_manifest_path = "/.singularity.d/oci/manifest.json";
inline constexpr const char* oci_config_path = "/.singularity.d/oci/config.json";

// What inspect shows of a SCIF app, as Apptainer's inspect --app reads it from the app's
// metadata folder: labels.json, runscript, startscript, test, runscript.help and env/9*-environment.sh.
struct AppMetadata {
    std::map<std::string, std::string> labels;
    std::string runscript;
    std::string startscript;
    std::string test;
    std::string helpfile;
    std::map<std::string, std::string> environment;  // file path in the image -> content
};

// The image's apps: the folders of /scif/apps with a scif/ folder inside (as Apptainer lists
// them), sorted; names common/scif_layout.hpp refuses are left out. Throws hpc::Error(data) for
// more than scif::max_apps.
std::vector<std::string> list_apps(const ImageTree& tree);

// The app's metadata, read from the tree (an Apptainer SIF's inspect-metadata.json holds the
// same, read from the same files when it was built); nullopt when the image has no such app.
std::optional<AppMetadata> read_app_metadata(const ImageTree& tree, const std::string& name);

// Reads everything inspect can show. Missing parts stay empty; unreadable or corrupt ones
// throw hpc::Error(data) naming the file inside the image.
ImageMetadata read_metadata(const ImageFile& image, const ImageTree& tree);

}  // namespace hpc::image
