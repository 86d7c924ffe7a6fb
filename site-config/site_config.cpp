// The strict reader of the site config. The only file that includes toml++: its headers hold
// the whole parser, so every other file stays quick to compile.
#include "site-config/site_config.hpp"

#include "common/bind_syntax.hpp"
#include "common/error.hpp"
#include "common/host_port.hpp"
#include "common/path_in_root.hpp"
#include "common/printable.hpp"
#include "common/text.hpp"

#include <toml++/toml.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstdint>
#include <optional>
#include <span>

namespace hpc::site {
namespace {

constexpr std::array network_names{"host", "none", "slirp"};
constexpr std::array image_formats{"sif", "squashfs", "dir"};
constexpr std::array mpi_modes{"image", "host"};

std::string comma_list(std::span<const char* const> names) {
    std::string text;
    for (const char* name : names) text += (text.empty() ? "" : ", ") + std::string(name);
    return text;
}

bool is_one_of(std::span<const char* const> names, std::string_view word) {
    return std::find(names.begin(), names.end(), word) != names.end();
}

std::string_view type_phrase(toml::node_type type) {
    switch (type) {
    case toml::node_type::table: return "a table";
    case toml::node_type::array: return "a list";
    case toml::node_type::string: return "a string";
    case toml::node_type::integer: return "an integer";
    case toml::node_type::floating_point: return "a number";
    case toml::node_type::boolean: return "a boolean";
    case toml::node_type::date: return "a date";
    case toml::node_type::time: return "a time";
    case toml::node_type::date_time: return "a date-time";
    case toml::node_type::none: break;
    }
    return "nothing";
}

[[noreturn]] void fail_at_line(const std::string& file_name, toml::source_index line, std::string_view key,
                               std::string_view cause) {
    std::string message = file_name + ":" + std::to_string(line) + ": ";
    if (!key.empty()) message += std::string(key) + ": ";
    throw Error(ExitCode::config, message + std::string(cause));
}

// One key of the file and its value, with what a message about it needs.
struct Field {
    const std::string& file_name;
    std::string key;  // dotted: "network.allow"
    const toml::key& written_key;
    const toml::node& value;

    [[noreturn]] void fail(const toml::node& where, std::string_view cause) const {
        fail_at_line(file_name, where.source().begin.line, key, cause);
    }
    [[noreturn]] void fail(std::string_view cause) const { fail(value, cause); }
    [[noreturn]] void unknown(std::span<const char* const> known) const {
        fail_at_line(file_name, written_key.source().begin.line, key, "unknown key (known: " + comma_list(known) + ")");
    }
};

// The entries of a table in the order they were written, so that the first mistake in the
// file is the one reported (toml::table keeps its keys sorted).
std::vector<std::pair<const toml::key*, const toml::node*>> in_file_order(const toml::table& table) {
    std::vector<std::pair<const toml::key*, const toml::node*>> entries;
    for (const auto& [key, node] : table) entries.emplace_back(&key, &node);
    std::sort(entries.begin(), entries.end(), [](const auto& a, const auto& b) {
        return a.first->source().begin.line < b.first->source().begin.line;
    });
    return entries;
}

bool read_bool(const Field& field) {
    if (const auto* boolean = field.value.as_boolean()) return boolean->get();
    field.fail("must be true or false, not " + std::string(type_phrase(field.value.type())));
}

// An integer field from `min` to `max`.
int64_t read_integer(const Field& field, int64_t min, int64_t max) {
    const auto* number = field.value.as_integer();
    if (!number) field.fail("must be an integer, not " + std::string(type_phrase(field.value.type())));
    if (number->get() < min || number->get() > max)
        field.fail("must be from " + std::to_string(min) + " to " + std::to_string(max) + ", not " +
                   std::to_string(number->get()));
    return number->get();
}

// Each string of a list with the node it came from, for messages about one element.
std::vector<std::pair<std::string, const toml::node*>> read_string_list(const Field& field) {
    const toml::array* list = field.value.as_array();
    if (!list) field.fail("must be a list of strings, not " + std::string(type_phrase(field.value.type())));
    std::vector<std::pair<std::string, const toml::node*>> strings;
    for (const toml::node& element : *list) {
        const auto* text = element.as_string();
        if (!text)
            field.fail(element, "element " + std::to_string(strings.size() + 1) + " must be a string, not " +
                                    std::string(type_phrase(element.type())));
        strings.emplace_back(text->get(), &element);
    }
    return strings;
}

std::vector<std::string> read_names(const Field& field, std::span<const char* const> known, std::string_view kind) {
    std::vector<std::string> names;
    for (auto& [name, node] : read_string_list(field)) {
        if (!is_one_of(known, name))
            field.fail(*node, "unknown " + std::string(kind) + " '" + name + "' (known: " + comma_list(known) + ")");
        names.push_back(std::move(name));
    }
    return names;
}

// Policy paths are compared with canonical host paths component by component, so they must be
// absolute; ".." is refused rather than resolved, since lexically it need not mean what the
// host's links make of it. "." and repeated or trailing slashes are dropped.
std::optional<std::string> absolute_path_problem(const std::string& path) {
    // TOML strings may hold "\u0000"; no path can (the kernel ends it there), so such a path
    // would be judged as one thing and used as another.
    if (path.find('\0') != std::string::npos) return "a path must not contain a NUL character";
    if (path.empty() || path.front() != '/') return "'" + path + "' is not an absolute path";
    if (path == ".." || path.find("/../") != std::string::npos || path.ends_with("/.."))
        return "'" + path + "' must not contain '..'";
    return std::nullopt;
}

std::vector<std::string> read_absolute_paths(const Field& field) {
    std::vector<std::string> paths;
    for (auto& [path, node] : read_string_list(field)) {
        if (auto problem = absolute_path_problem(path)) field.fail(*node, *problem);
        paths.push_back(normalize_absolute(path));
    }
    return paths;
}

// "src[:dst[:ro|rw]]": one bind in -B's syntax (common/bind_syntax), the list being TOML's.
DefaultBind parse_default_bind(const Field& field, const std::string& spec, const toml::node& node) {
    auto bad = [&](const std::string& cause) { field.fail(node, "'" + spec + "': " + cause); };
    std::optional<BindFields> fields = parse_bind(spec);
    if (!fields) bad("too many fields (src[:dst[:ro|rw]])");
    DefaultBind bind;
    if (auto problem = absolute_path_problem(fields->source)) bad("the source " + *problem);
    bind.source = normalize_absolute(fields->source);
    bind.destination = bind.source;
    if (fields->destination) {
        if (auto problem = absolute_path_problem(*fields->destination)) bad("the destination " + *problem);
        bind.destination = normalize_absolute(*fields->destination);
    }
    if (fields->options) {
        std::optional<bool> read_only = bind_read_only(*fields->options);
        if (!read_only) bad("unknown option '" + *fields->options + "' (ro or rw)");
        bind.read_only = *read_only;
    }
    return bind;
}

std::vector<DefaultBind> read_default_binds(const Field& field) {
    std::vector<DefaultBind> binds;
    for (const auto& [spec, node] : read_string_list(field)) binds.push_back(parse_default_bind(field, spec, *node));
    return binds;
}

// Calls read(field) for each key of a section, in file order.
template <typename Read>
void for_each_field(const std::string& file_name, std::string_view section, const toml::table& table, Read read) {
    for (const auto& [key, node] : in_file_order(table))
        read(Field{file_name, std::string(section) + "." + std::string(key->str()), *key, *node});
}

void read_binds(const std::string& file_name, const toml::table& table, BindsPolicy& binds) {
    static constexpr std::array known{"default", "allow", "deny"};
    for_each_field(file_name, "binds", table, [&](const Field& field) {
        std::string_view name = field.written_key.str();
        if (name == "default")
            binds.default_binds = read_default_binds(field);
        else if (name == "allow")
            binds.allow = read_absolute_paths(field);
        else if (name == "deny")
            binds.deny = read_absolute_paths(field);
        else
            field.unknown(known);
    });
}

void read_images(const std::string& file_name, const toml::table& table, ImagesPolicy& images) {
    static constexpr std::array known{"allow_paths", "allow_formats", "allow_owners"};
    for_each_field(file_name, "images", table, [&](const Field& field) {
        std::string_view name = field.written_key.str();
        if (name == "allow_paths") {
            images.allow_paths = read_absolute_paths(field);
        } else if (name == "allow_formats") {
            images.allow_formats = read_names(field, image_formats, "format");
        } else if (name == "allow_owners") {
            images.allow_owners.clear();
            for (auto& [owner, node] : read_string_list(field)) {
                if (owner.empty()) field.fail(*node, "an empty user name");
                images.allow_owners.push_back(std::move(owner));
            }
        } else {
            field.unknown(known);
        }
    });
}

void read_fakeroot(const std::string& file_name, const toml::table& table, FakerootPolicy& fakeroot) {
    static constexpr std::array known{"allow", "allow_without_subuid"};
    for_each_field(file_name, "fakeroot", table, [&](const Field& field) {
        std::string_view name = field.written_key.str();
        if (name == "allow")
            fakeroot.allow = read_bool(field);
        else if (name == "allow_without_subuid")
            fakeroot.allow_without_subuid = read_bool(field);
        else
            field.unknown(known);
    });
}

void read_network(const std::string& file_name, const toml::table& table, NetworkPolicy& network) {
    static constexpr std::array known{"allow", "default"};
    // Where each key was written: which one a disagreement between them is blamed on.
    std::optional<toml::source_index> allow_line, default_line;
    for_each_field(file_name, "network", table, [&](const Field& field) {
        std::string_view name = field.written_key.str();
        if (name == "allow") {
            network.allow = read_names(field, network_names, "network");
            allow_line = field.value.source().begin.line;
        } else if (name == "default") {
            const auto* text = field.value.as_string();
            if (!text) field.fail("must be a string, not " + std::string(type_phrase(field.value.type())));
            if (!is_one_of(network_names, text->get()))
                field.fail("unknown network '" + text->get() + "' (known: " + comma_list(network_names) + ")");
            network.default_network = text->get();
            default_line = field.value.source().begin.line;
        } else {
            field.unknown(known);
        }
    });
    if (std::find(network.allow.begin(), network.allow.end(), network.default_network) != network.allow.end()) return;
    if (default_line)
        fail_at_line(file_name, *default_line, "network.default",
                     "'" + network.default_network + "' is not in network.allow");
    fail_at_line(file_name, *allow_line, "network.allow",
                 "leaves out the default network '" + network.default_network + "' (set network.default)");
}

void read_mount(const std::string& file_name, const toml::table& table, MountPolicy& mount) {
    static constexpr std::array known{"share_per_node", "share_linger"};
    for_each_field(file_name, "mount", table, [&](const Field& field) {
        if (field.written_key.str() == "share_per_node")
            mount.share_per_node = read_bool(field);
        else if (field.written_key.str() == "share_linger")
            mount.share_linger_seconds = static_cast<unsigned>(read_integer(field, 0, max_share_linger_seconds));
        else
            field.unknown(known);
    });
}

void read_mpi(const std::string& file_name, const toml::table& table, MpiPolicy& mpi) {
    static constexpr std::array known{"default", "library"};
    for_each_field(file_name, "mpi", table, [&](const Field& field) {
        std::string_view name = field.written_key.str();
        const auto* text = field.value.as_string();
        if (name != "default" && name != "library") field.unknown(known);
        if (!text) field.fail("must be a string, not " + std::string(type_phrase(field.value.type())));
        if (name == "default") {
            if (!is_one_of(mpi_modes, text->get()))
                field.fail("unknown MPI '" + text->get() + "' (known: " + comma_list(mpi_modes) + ")");
            mpi.default_mpi = text->get();
        } else if (!text->get().empty()) {
            if (auto problem = absolute_path_problem(text->get())) field.fail(*problem);
            mpi.library = normalize_absolute(text->get());
        } else {
            mpi.library.clear();
        }
    });
}

void read_slurm(const std::string& file_name, const toml::table& table, SlurmPolicy& slurm) {
    static constexpr std::array known{"stage_directory"};
    for_each_field(file_name, "slurm", table, [&](const Field& field) {
        if (field.written_key.str() != "stage_directory") field.unknown(known);
        const auto* text = field.value.as_string();
        if (!text) field.fail("must be a string, not " + std::string(type_phrase(field.value.type())));
        if (text->get().empty()) return slurm.stage_directory.clear();  // "": no staging, as described
        if (auto problem = absolute_path_problem(text->get())) field.fail(*problem);
        slurm.stage_directory = normalize_absolute(text->get());
    });
}

// A registry's name or a mirror's (common/host_port), kept in lower case as references keep it.
std::string read_host_port(const Field& field, const std::string& text, const toml::node& node) {
    if (auto problem = host_port_problem(text))
        field.fail(node, quoted_printable(text) + " is not HOST[:PORT]: " + *problem);
    return ascii_lower_case(text);
}

std::vector<std::string> read_registries(const Field& field) {
    std::vector<std::string> registries;
    for (const auto& [text, node] : read_string_list(field)) registries.push_back(read_host_port(field, text, *node));
    return registries;
}

// oci.mirrors, "registry" = "mirror" entries, sorted by the registry's name so that the policy
// does not depend on how the file ordered them (describe writes them back in that order).
std::vector<std::pair<std::string, std::string>> read_mirrors(const Field& field) {
    const toml::table* table = field.value.as_table();
    if (!table)
        field.fail("must be a table of \"registry\" = \"mirror\", not " + std::string(type_phrase(field.value.type())));
    std::vector<std::pair<std::string, std::string>> mirrors;
    for (const auto& [key, node] : in_file_order(*table)) {
        std::string registry(key->str());
        Field entry{field.file_name, field.key + ".\"" + printable(registry) + "\"", *key, *node};
        if (auto problem = host_port_problem(registry))
            fail_at_line(field.file_name, key->source().begin.line, entry.key,
                         "the registry is not HOST[:PORT]: " + *problem);
        const auto* mirror = node->as_string();
        if (!mirror) entry.fail("must be a string, not " + std::string(type_phrase(node->type())));
        registry = ascii_lower_case(registry);
        // TOML refuses a key given twice; these two differ only in case, which host names do not.
        for (const auto& [earlier, unused] : mirrors)
            if (earlier == registry) entry.fail("the same registry as another key of oci.mirrors, in another case");
        mirrors.emplace_back(registry, read_host_port(entry, mirror->get(), *node));
    }
    std::sort(mirrors.begin(), mirrors.end());
    return mirrors;
}

void read_oci(const std::string& file_name, const toml::table& table, OciPolicy& oci) {
    static constexpr std::array known{"mirrors", "allow", "deny", "cache_dir", "tag_check_seconds"};
    // A day: long enough for any site's wish, short enough that a moved tag is noticed at all.
    constexpr int64_t max_tag_check_seconds = 86400;
    for_each_field(file_name, "oci", table, [&](const Field& field) {
        std::string_view name = field.written_key.str();
        if (name == "mirrors") {
            oci.mirrors = read_mirrors(field);
        } else if (name == "allow") {
            oci.allow = read_registries(field);
        } else if (name == "deny") {
            oci.deny = read_registries(field);
        } else if (name == "cache_dir") {
            const auto* text = field.value.as_string();
            if (!text) field.fail("must be a string, not " + std::string(type_phrase(field.value.type())));
            if (text->get().empty()) return oci.cache_dir.clear();  // "": the user's ~/.cache/hpc
            if (auto problem = absolute_path_problem(text->get())) field.fail(*problem);
            oci.cache_dir = normalize_absolute(text->get());
        } else if (name == "tag_check_seconds") {
            oci.tag_check_seconds = static_cast<int>(read_integer(field, 0, max_tag_check_seconds));
        } else {
            field.unknown(known);
        }
    });
}

// A library as the lists name it: a file name with ".so" in it ("libcuda.so", "libnvoptix.so.1").
std::optional<std::string> library_name_problem(const std::string& name) {
    if (name.empty() || name.find('/') != std::string::npos || name.find('\0') != std::string::npos)
        return "'" + printable(name) + "' is not a file name";
    if (!name.ends_with(".so") && name.find(".so.") == std::string::npos)
        return "'" + printable(name) + "' is not a shared library's name (NAME.so or NAME.so.N)";
    return std::nullopt;
}

std::optional<std::string> program_name_problem(const std::string& name) {
    if (name.empty() || name == "." || name == ".." || name.find('/') != std::string::npos ||
        name.find('\0') != std::string::npos)
        return "'" + printable(name) + "' is not a file name";
    return std::nullopt;
}

std::vector<std::string> read_file_names(const Field& field, std::optional<std::string> (*problem)(const std::string&)) {
    std::vector<std::string> names;
    for (auto& [name, node] : read_string_list(field)) {
        if (auto found = problem(name)) field.fail(*node, *found);
        names.push_back(std::move(name));
    }
    return names;
}

void read_gpu(const std::string& file_name, const toml::table& table, GpuPolicy& gpu) {
    static constexpr std::array known{"nvidia_libraries", "nvidia_programs", "rocm_libraries", "rocm_programs",
                                      "require_driver", "cdi_directories"};
    for_each_field(file_name, "gpu", table, [&](const Field& field) {
        std::string_view name = field.written_key.str();
        if (name == "nvidia_libraries")
            gpu.nvidia_libraries = read_file_names(field, library_name_problem);
        else if (name == "nvidia_programs")
            gpu.nvidia_programs = read_file_names(field, program_name_problem);
        else if (name == "rocm_libraries")
            gpu.rocm_libraries = read_file_names(field, library_name_problem);
        else if (name == "rocm_programs")
            gpu.rocm_programs = read_file_names(field, program_name_problem);
        else if (name == "require_driver")
            gpu.require_driver = read_bool(field);
        else if (name == "cdi_directories")
            gpu.cdi_directories = read_absolute_paths(field);
        else
            field.unknown(known);
    });
}

// TOML's blanks, and the '\r' of a CRLF file's lines.
constexpr std::string_view line_blanks = " \t\r";

// The table a "[name]" or "[[name]]" header line opens, or nullopt for any other line.
std::optional<std::string> table_header(std::string_view line) {
    line = trim(line, line_blanks);
    if (!line.starts_with('[')) return std::nullopt;
    size_t close = line.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    std::string_view after_close = line.substr(close);
    size_t past_brackets = after_close.find_first_not_of(']');
    std::string_view rest = past_brackets == std::string_view::npos ? "" : trim(after_close.substr(past_brackets), line_blanks);
    if (!rest.empty() && !rest.starts_with('#')) return std::nullopt;
    std::string name;
    for (char c : line.substr(0, close)) {
        if (c == '[' || c == ' ' || c == '\t' || c == '"' || c == '\'') continue;
        bool bare = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
                    c == '-' || c == '.';
        if (!bare) return std::nullopt;
        name += c;
    }
    return name;
}

// toml++ names a redefined key as it is written on its line ("cannot redefine existing array
// 'allow'"); a message names keys dotted, so the table the line is in is found by looking back
// for the last table header. A heuristic, but one only for the message's sake.
std::string redefined_key(std::string_view text, toml::source_index line, std::string_view description) {
    size_t open = description.find('\'');
    size_t close = description.find('\'', open + 1);
    if (open == std::string_view::npos || close == std::string_view::npos) return {};
    std::string_view written = description.substr(open + 1, close - open - 1);
    std::vector<std::string_view> lines = split_lines(text);
    if (line == 0 || line > lines.size()) return std::string(written);
    std::string_view error_line = trim(lines[line - 1], line_blanks);
    // Not a plain "key = value" line (a header, an inline table): the name stands as written.
    if (!error_line.starts_with(written) || !trim(error_line.substr(written.size()), line_blanks).starts_with('='))
        return std::string(written);
    for (size_t index = line - 1; index-- > 0;)
        if (auto table = table_header(lines[index])) return *table + "." + std::string(written);
    return std::string(written);
}

[[noreturn]] void report_syntax_error(std::string_view text, const std::string& file_name,
                                      const toml::parse_error& error) {
    std::string_view description = error.description();
    toml::source_index line = error.source().begin.line;
    if (size_t redefinition = description.find("cannot redefine existing "); redefinition != std::string_view::npos)
        fail_at_line(file_name, line, redefined_key(text, line, description.substr(redefinition)), "defined twice");
    // toml++ says "Error while parsing table header: expected ...".
    constexpr std::string_view prefix = "Error while parsing ";
    if (description.starts_with(prefix))
        fail_at_line(file_name, line, "", "bad TOML in " + std::string(description.substr(prefix.size())));
    fail_at_line(file_name, line, "", "bad TOML: " + std::string(description));
}

// toml++ 3.3 (Debian 12's) decides whether a character that is not ASCII is whitespace from a
// table that lacks the entries of some (U+00A1..U+0499, U+2C5E..U+2FFF, U+3001..U+3057,
// U+FB26..U+FEFE) and then reaches code it marks unreachable: undefined behaviour, found by
// tests/fuzz's site_config. It asks of characters in comments and strings too (scanning a value
// ahead), so those characters are refused wherever they are, with their line, before toml++
// sees them; in a string, TOML's \uXXXX escape says the same.
void refuse_characters_toml_cannot_read(std::string_view text, const std::string& file_name) {
    constexpr std::pair<char32_t, char32_t> unreadable[] = {
        {0x00A1, 0x0499}, {0x2C5E, 0x2FFF}, {0x3001, 0x3057}, {0xFB26, 0xFEFE}};
    auto byte = [text](std::size_t at) { return static_cast<char32_t>(static_cast<unsigned char>(text[at])); };
    auto continues = [&](std::size_t at) { return at < text.size() && (byte(at) & 0xC0) == 0x80; };
    toml::source_index line = 1;
    for (std::size_t at = 0; at < text.size(); ++at) {
        char32_t point = 0;
        if (text[at] == '\n') ++line;
        if ((byte(at) & 0xE0) == 0xC0 && continues(at + 1))
            point = (byte(at) & 0x1F) << 6 | (byte(at + 1) & 0x3F);
        else if ((byte(at) & 0xF0) == 0xE0 && continues(at + 1) && continues(at + 2))
            point = (byte(at) & 0x0F) << 12 | (byte(at + 1) & 0x3F) << 6 | (byte(at + 2) & 0x3F);
        for (const auto& [first, last] : unreadable)
            if (point >= first && point <= last) {
                char code[8];
                std::snprintf(code, sizeof code, "%04X", static_cast<unsigned>(point));
                fail_at_line(file_name, line, "",
                             std::string("the character U+") + code +
                                 " cannot be read safely by this toml++ (3.3): in a string, write it \\u" + code);
            }
    }
}

}  // namespace

SiteConfig parse_site_config(std::string_view toml_text, const std::string& file_name) {
    refuse_characters_toml_cannot_read(toml_text, file_name);
    toml::parse_result parsed = toml::parse(toml_text, std::string_view(file_name));
    if (!parsed) report_syntax_error(toml_text, file_name, parsed.error());

    static constexpr std::array sections{"binds", "images", "fakeroot", "network", "mount", "mpi", "slurm", "oci", "gpu"};
    SiteConfig config;
    for (const auto& [key, node] : in_file_order(parsed.table())) {
        std::string name(key->str());
        const toml::table* table = node->as_table();
        if (!is_one_of(sections, name))
            fail_at_line(file_name, key->source().begin.line, name,
                         std::string(table ? "unknown table" : "unknown key") + " (known tables: " + comma_list(sections) +
                             ")");
        if (!table)
            fail_at_line(file_name, node->source().begin.line, name,
                         "must be a table, not " + std::string(type_phrase(node->type())));
        if (name == "binds") read_binds(file_name, *table, config.binds);
        if (name == "images") read_images(file_name, *table, config.images);
        if (name == "fakeroot") read_fakeroot(file_name, *table, config.fakeroot);
        if (name == "network") read_network(file_name, *table, config.network);
        if (name == "mount") read_mount(file_name, *table, config.mount);
        if (name == "mpi") read_mpi(file_name, *table, config.mpi);
        if (name == "slurm") read_slurm(file_name, *table, config.slurm);
        if (name == "oci") read_oci(file_name, *table, config.oci);
        if (name == "gpu") read_gpu(file_name, *table, config.gpu);
    }
    return config;
}

}  // namespace hpc::site
