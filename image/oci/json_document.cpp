#include "image/oci/json_document.hpp"

#include "common/error.hpp"

namespace hpc::image::oci {
namespace {

std::string field(std::string_view key) { return std::string(key); }

}  // namespace

void bad_document(const std::string& context, const std::string& cause) {
    throw Error(ExitCode::data, context + ": " + cause);
}

Json parse_json(std::string_view bytes, const std::string& context) {
    Json document;
    try {
        document = Json::parse(bytes);
    } catch (const Json::exception& error) {
        // A syntax error (parse_error), or a number too large for any type (out_of_range 406,
        // found by tests/fuzz). nlohmann's text starts with "[json.exception.parse_error.101] ";
        // the rest says where.
        std::string_view what = error.what();
        std::size_t bracket = what.find("] ");
        bad_document(context, "invalid JSON: " +
                                  std::string(bracket == std::string_view::npos ? what : what.substr(bracket + 2)));
    }
    return document;
}

Json parse_json_object(std::string_view bytes, const std::string& context) {
    Json document = parse_json(bytes, context);
    if (!document.is_object()) bad_document(context, "not a JSON object");
    return document;
}

const Json* member(const Json& object, std::string_view key) {
    auto found = object.find(key);
    if (found == object.end() || found->is_null()) return nullptr;
    return &*found;
}

std::string string_member(const Json& object, std::string_view key, const std::string& context, bool required) {
    const Json* value = member(object, key);
    if (!value) {
        if (required) bad_document(context, "no " + field(key));
        return {};
    }
    if (!value->is_string()) bad_document(context, field(key) + " is not a string");
    return value->get<std::string>();
}

const Json::array_t& array_member(const Json& object, std::string_view key, const std::string& context,
                                  std::size_t max_count, bool required) {
    static const Json::array_t empty;
    const Json* value = member(object, key);
    if (!value) {
        if (required) bad_document(context, "no " + field(key));
        return empty;
    }
    if (!value->is_array()) bad_document(context, field(key) + " is not an array");
    const auto& elements = value->get_ref<const Json::array_t&>();
    if (elements.size() > max_count)
        bad_document(context, field(key) + " has " + std::to_string(elements.size()) + " entries, more than " +
                                  std::to_string(max_count));
    return elements;
}

std::vector<std::string> string_array_member(const Json& object, std::string_view key, const std::string& context,
                                             std::size_t max_count) {
    std::vector<std::string> strings;
    for (const Json& element : array_member(object, key, context, max_count)) {
        if (!element.is_string()) bad_document(context, field(key) + " is not an array of strings");
        strings.push_back(element.get<std::string>());
    }
    return strings;
}

}  // namespace hpc::image::oci
