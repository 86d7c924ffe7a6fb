// Comma-separated fields as Go's encoding/csv reads them, because Apptainer's --mount (like
// Docker's) and --env (through pflag's StringToString) are parsed that way: a field that
// starts with a double quote runs to the matching quote, "" inside it is one quote, and it
// may hold commas and newlines; a quote anywhere else is an error. Nothing is trimmed.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace hpc {

using CsvRecord = std::vector<std::string>;

// Records separated by newlines ("\r\n" counts as one); blank lines are skipped.
// Throws hpc::Error(usage) with the cause and the 1-based line and column.
std::vector<CsvRecord> parse_csv_records(std::string_view text);

// One record in which a newline outside quotes is an ordinary character (an --env value
// taken from a multi-line file stays whole rather than losing its tail).
CsvRecord parse_csv_fields(std::string_view text);

}  // namespace hpc
