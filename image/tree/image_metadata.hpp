// Apptainer's image metadata, as `inspect` shows it: the labels, the definition file, the
// scripts and help, and the environment files, read from /.singularity.d/ (and, for a SIF,
// from its inspect-metadata.json and Def.FILE objects, which Apptainer's builds add).
#pragma once

#include "image/tree/image_file.hpp"
#include "image/tree/image_tree.hpp"

#include <map>
#include <optional>
#include <string>

namespace hpc::image {

struct ImageMetadata {
    std::map<std::string, std::string> labels;       // sorted, as Apptainer prints them
    std::string deffile;
    std::string runscript;
    std::string startscript;
    std::string test;
    std::string helpfile;
    std::map<std::string, std::string> environment;  // file path in the image -> content
};

// Reads everything inspect can show. Missing parts stay empty; unreadable or corrupt ones
// throw hpc::Error(data) naming the file inside the image.
ImageMetadata read_metadata(const ImageFile& image, const ImageTree& tree);

}  // namespace hpc::image
