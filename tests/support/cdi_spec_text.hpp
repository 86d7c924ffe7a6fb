// The text of a small CDI spec, for tests of what reads and resolves one.
#pragma once

#include <string>

namespace hpc::test {

// A spec of vendor.com/dev whose device "a" has the containerEdits `device_edits` (a YAML flow
// mapping, on line 5) and the spec itself `spec_edits` (on line 6).
inline std::string cdi_spec_with(const std::string& device_edits, const std::string& spec_edits = "") {
    return "cdiVersion: 0.7.0\n"
           "kind: vendor.com/dev\n"
           "devices:\n"
           "- name: a\n"
           "  containerEdits: " + device_edits + "\n" +
           (spec_edits.empty() ? "" : "containerEdits: " + spec_edits + "\n");
}

}  // namespace hpc::test
