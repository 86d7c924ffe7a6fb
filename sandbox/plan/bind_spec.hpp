// Bind requests as users write them, with Apptainer's syntax and meanings:
//   -B/--bind src[:dst[:opts]][,src[:dst[:opts]]...]  ("\," and "\:" escape the separators)
//   --mount type=bind,source=/a,destination=/b[,readonly][,image-src=/sub][,id=N]  (Docker's CSV syntax)
//   An image file's contents: -B data.sqfs:/data:image-src=/sub[,id=N]  (N picks a SIF partition)
//   APPTAINER_BIND / SINGULARITY_BIND / HPC_BIND: the -B syntax.
// Parsing is pure; whether a source exists is checked later, on the host.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hpc::sandbox {

struct BindSpec {
    std::string source;       // host path as written (absolute or relative to the cwd)
    std::string destination;  // container path; equals source when omitted
    bool read_only = false;
    // Set for a bind of a path inside an image file's file system (image-src=, id=): that path,
    // absolute ("/" when only id= was given); such binds are read-only.
    std::optional<std::string> image_source = std::nullopt;
    std::optional<uint32_t> image_id = std::nullopt;  // id=N: the SIF partition with that id

    bool operator==(const BindSpec&) const = default;
};

// One -B value (a comma list). Throws hpc::Error(usage) naming the value and the cause:
// empty source, relative destination, unknown option.
std::vector<BindSpec> parse_bind_list(std::string_view value);

// One --mount value. Throws hpc::Error(usage) for a type other than bind, a missing source or
// destination, an unknown key, or a value that holds several mounts.
BindSpec parse_mount_spec(std::string_view value);

// A --mount value or APPTAINER_MOUNT: one mount per line, as Apptainer allows.
std::vector<BindSpec> parse_mount_list(std::string_view value);

}  // namespace hpc::sandbox
