#include "sandbox/plan/bind_spec.hpp"

#include "common/error.hpp"
#include "common/csv_list.hpp"
#include "common/bind_syntax.hpp"

#include <optional>

namespace hpc::sandbox {
namespace {

// One item of a -B value: its fields (nullopt for more than three), and its text as written
// (for messages).
struct BindItem {
    std::optional<BindFields> fields;
    std::string text;
};

// A word that can only be an option: "ro", "rw", or one Apptainer takes for image binds.
bool is_bind_option(const BindItem& item) {
    if (!item.fields || item.fields->destination) return false;
    const std::string& word = item.fields->source;
    return bind_read_only(word) || word.starts_with("image-src=") || word.starts_with("id=");
}

[[noreturn]] void spec_error(std::string_view kind, std::string_view spec, const std::string& cause) {
    throw Error(ExitCode::usage, std::string(kind) + " '" + std::string(spec) + "': " + cause);
}

[[noreturn]] void bind_error(std::string_view spec, const std::string& cause) { spec_error("bind", spec, cause); }

// `kind` is "bind" or "mount", for the message.
void check_destination(std::string_view kind, std::string_view spec, const std::string& destination,
                       bool explicit_destination) {
    if (destination.empty()) spec_error(kind, spec, "empty destination");
    if (destination.front() != '/') {
        std::string cause = "the destination '" + destination + "' must be an absolute path";
        if (!explicit_destination) cause += " (a relative source needs a destination: src:/dst)";
        spec_error(kind, spec, cause);
    }
}

// image-src=PATH and id=N, of -B and --mount alike. `fail` throws the caller's error.
template <typename Fail>
void apply_image_option(const std::string& key, const std::string& value, BindSpec& bind, Fail fail) {
    if (key == "image-src") {
        if (value.empty() || value.front() != '/') fail("image-src takes an absolute path inside the image, not '" + value + "'");
        bind.image_source = value;
        return;
    }
    // A SIF's descriptor ids are small; a bound keeps a typo from reading as a number.
    constexpr uint32_t largest_id = 1u << 20;
    uint32_t id = 0;
    bool digits = !value.empty() && value.size() <= 7 && value.find_first_not_of("0123456789") == std::string::npos;
    if (digits) id = static_cast<uint32_t>(std::stoul(value));
    if (!digits || id == 0 || id > largest_id) fail("id takes a SIF object id (1, 2, ...), not '" + value + "'");
    bind.image_id = id;
    if (!bind.image_source) bind.image_source = "/";
}

void apply_bind_option(std::string_view spec, const std::string& option, BindSpec& bind) {
    if (std::optional<bool> read_only = bind_read_only(option)) {
        if (*read_only) bind.read_only = true;  // as Apptainer: "ro" anywhere wins over "rw"
    } else if (option.starts_with("image-src=") || option.starts_with("id=")) {
        std::size_t equals = option.find('=');
        apply_image_option(option.substr(0, equals), option.substr(equals + 1), bind,
                           [&](const std::string& cause) { bind_error(spec, cause); });
    } else if (option.empty()) {
        bind_error(spec, "empty bind option (expected ro or rw)");
    } else {
        bind_error(spec, "unknown bind option '" + option + "' (expected ro or rw)");
    }
}

// `extra_options`: the option words that followed the item in the list.
BindSpec make_bind(const BindItem& item, const std::vector<std::string>& extra_options) {
    std::string spec = item.text;
    for (const std::string& option : extra_options) spec += "," + option;
    if (!item.fields) bind_error(spec, "too many ':' (expected src[:dst[:opts]]; write \\: for a colon in a path)");
    const BindFields& fields = *item.fields;
    BindSpec bind;
    bind.source = fields.source;
    if (bind.source.empty()) bind_error(spec, "empty source");
    bind.destination = fields.destination.value_or(bind.source);
    check_destination("bind", spec, bind.destination, fields.destination.has_value());
    if (fields.options) {
        apply_bind_option(spec, *fields.options, bind);
        for (const std::string& option : extra_options) apply_bind_option(spec, option, bind);
    }
    if (bind.image_source) bind.read_only = true;  // what an image holds is bound read-only
    return bind;
}

}  // namespace

std::vector<BindSpec> parse_bind_list(std::string_view value) {
    std::vector<BindItem> items;
    for (std::string& text : split_bind_list(value)) {
        std::optional<BindFields> fields = parse_bind(text);
        items.push_back({std::move(fields), std::move(text)});
    }
    std::vector<BindSpec> binds;
    for (size_t i = 0; i < items.size(); ++i) {
        // "src:dst:ro,rw" has its options split by the list's own commas: words that are bind
        // options and follow an item with an options field belong to it.
        const BindItem& item = items[i];
        std::vector<std::string> extra_options;
        if (item.fields && item.fields->options)
            while (i + 1 < items.size() && is_bind_option(items[i + 1])) extra_options.push_back(items[++i].fields->source);
        binds.push_back(make_bind(item, extra_options));
    }
    return binds;
}

std::vector<BindSpec> parse_mount_list(std::string_view value) {
    std::vector<CsvRecord> records;
    try {
        records = parse_csv_records(value);
    } catch (const Error& error) {
        throw error.within("mount '" + std::string(value) + "'");
    }
    std::vector<BindSpec> binds;
    for (const CsvRecord& record : records) {
        std::string spec;
        for (size_t i = 0; i < record.size(); ++i) spec += (i == 0 ? "" : ",") + record[i];
        auto fail = [&](const std::string& cause) { spec_error("mount", spec, cause); };

        BindSpec bind;
        bool has_source = false;
        bool has_destination = false;
        for (const std::string& field : record) {
            size_t equals = field.find('=');
            std::string key = field.substr(0, equals);
            std::optional<std::string> value_of;
            if (equals != std::string::npos) value_of = field.substr(equals + 1);
            std::string text = value_of.value_or("");

            if (key == "type") {
                if (text != "bind") fail("unsupported mount type '" + text + "' (only bind is supported)");
            } else if (key == "source" || key == "src") {
                if (text.empty()) fail("empty source");
                bind.source = text;
                has_source = true;
            } else if (key == "destination" || key == "dst" || key == "target") {
                if (text.empty()) fail("empty destination");
                bind.destination = text;
                has_destination = true;
            } else if (key == "readonly" || key == "ro") {
                // Docker's readonly=true|false|1|0; Apptainer ignores the value (ro=false is
                // read-only there), which can only surprise.
                if (!value_of || text == "true" || text == "1")
                    bind.read_only = true;
                else if (text == "false" || text == "0")
                    bind.read_only = false;
                else
                    fail("'" + key + "' takes true or false, not '" + text + "'");
            } else if (key == "nonested") {
                // Apptainer's hint not to pass the bind on to a nested Apptainer: hpc passes
                // nothing on, so there is nothing to do.
            } else if (key == "bind-propagation") {
                fail("bind-propagation is not supported for individual mounts");
            } else if (key == "image-src" || key == "id") {
                apply_image_option(key, text, bind, fail);
            } else {
                fail("unknown key '" + key + "' (expected type, source, destination, readonly, image-src or id)");
            }
        }
        if (!has_source || !has_destination) fail("a mount needs a source and a destination");
        check_destination("mount", spec, bind.destination, true);
        if (bind.image_source) bind.read_only = true;
        binds.push_back(std::move(bind));
    }
    return binds;
}

BindSpec parse_mount_spec(std::string_view value) {
    std::vector<BindSpec> binds = parse_mount_list(value);
    if (binds.size() != 1)
        throw Error(ExitCode::usage, "mount '" + std::string(value) + "': expected one mount, found " +
                                         std::to_string(binds.size()));
    return binds.front();
}

}  // namespace hpc::sandbox
