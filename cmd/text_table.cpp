#include "cmd/text_table.hpp"

#include <algorithm>

namespace hpc::cmd {

std::string aligned_table(const std::vector<std::vector<std::string>>& rows) {
    constexpr std::size_t gap = 4;
    std::vector<std::size_t> widths;
    for (const std::vector<std::string>& row : rows)
        for (std::size_t column = 0; column < row.size(); ++column) {
            if (widths.size() <= column) widths.push_back(0);
            widths[column] = std::max(widths[column], row[column].size());
        }
    std::string table;
    for (const std::vector<std::string>& row : rows) {
        std::string line;
        for (std::size_t column = 0; column < row.size(); ++column) {
            line += row[column];
            if (column + 1 < row.size()) line.append(widths[column] + gap - row[column].size(), ' ');
        }
        table += line + "\n";
    }
    return table;
}

}  // namespace hpc::cmd
