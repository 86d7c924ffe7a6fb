// Rows of words printed as aligned columns, as Go's tabwriter prints Apptainer's tables (each
// column as wide as its widest word and a gap of 4; the last column unpadded).
#pragma once

#include <string>
#include <vector>

namespace hpc::cmd {

std::string aligned_table(const std::vector<std::vector<std::string>>& rows);

}  // namespace hpc::cmd
