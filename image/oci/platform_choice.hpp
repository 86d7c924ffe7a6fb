// Which of an index's entries runs here: the linux one of the requested architecture (GOARCH
// names), as containers/image's platform matcher chooses for a linux host.
#pragma once

#include "image/oci/index_document.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace hpc::image::oci {

// The chosen entry of `candidates`. An entry that says no platform is taken only when it is
// the one candidate (a single-image layout often says none). Among several that match, one
// without a variant or with the architecture's baseline (arm64's "v8") comes first, then the
// first in the index. Throws hpc::Error(no_input) naming `context` and listing the platforms
// there are when none matches.
const IndexEntry& choose_platform(const std::vector<const IndexEntry*>& candidates, std::string_view architecture,
                                  const std::string& context);

// "linux/arm64/v8".
std::string platform_text(const Platform& platform);

}  // namespace hpc::image::oci
