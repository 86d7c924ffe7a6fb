// Reading an image's JSON documents strictly: each failure is hpc::Error(data) naming the
// document ("img: manifest sha256:ab12cd34ef56: layers[2]: digest is not a string"), its
// `context`, and the field. Absent and null mean the same for optional fields, as in Go's
// encoding/json, which wrote most of these documents.
#pragma once

#include <nlohmann/json.hpp>

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace hpc::image::oci {

using Json = nlohmann::json;

// The most a JSON document of an image may have (index, manifest, config, manifest.json):
// real ones are kilobytes; the bound keeps a hostile one from costing memory.
constexpr std::size_t max_json_bytes = 4 * 1024 * 1024;

[[noreturn]] void bad_document(const std::string& context, const std::string& cause);

// The JSON document in `bytes`.
Json parse_json(std::string_view bytes, const std::string& context);
// The same, which must be a JSON object.
Json parse_json_object(std::string_view bytes, const std::string& context);

// The member `key` of `object`, or null when it is absent or null.
const Json* member(const Json& object, std::string_view key);
// A string member; "" when absent or null and not `required`.
std::string string_member(const Json& object, std::string_view key, const std::string& context, bool required = false);
// An array of strings, of at most `max_count`; empty when absent or null.
std::vector<std::string> string_array_member(const Json& object, std::string_view key, const std::string& context,
                                             std::size_t max_count);
// An array member's elements (empty when absent or null and not `required`), at most `max_count`.
const Json::array_t& array_member(const Json& object, std::string_view key, const std::string& context,
                                  std::size_t max_count, bool required = false);

}  // namespace hpc::image::oci
