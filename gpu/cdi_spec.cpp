// The CDI spec's parser: yaml-cpp builds the tree, and a reader walks it field by field, as
// CDI's own loader (sigs.k8s.io/yaml's UnmarshalStrict into specs-go's types) does, so that a
// spec Podman or containerd would load reads the same here.
//
// Unknown fields are refused, not skipped. CDI's loader refuses them ("spec loading fails on
// unknown fields", SPEC.md), and it is the safer reading for hpc too: a field it does not know
// could be an edit it would silently not make, leaving a container that seems to have its
// device and has not. As Go's encoding/json does, a field's name is matched without regard to
// ASCII case (SPEC.md writes "additionalGIDs", specs-go's tag is "additionalGids"; Go reads
// both), and a null value counts as the field left out (Go's zero value).
#include "gpu/cdi_spec.hpp"

#include "common/error.hpp"
#include "common/printable.hpp"
#include "common/text.hpp"

#include <yaml-cpp/depthguard.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <initializer_list>
#include <limits>
#include <utility>

namespace hpc::gpu {
namespace {

// The versions of CDI's specs-go (validSpecVersions), oldest first. A newer version may have
// fields hpc cannot read, which the strict reading would refuse anyway, one by one; the
// version says so first and plainly.
constexpr std::array<std::string_view, 10> known_versions = {"0.1.0", "0.2.0", "0.3.0", "0.4.0", "0.5.0",
                                                              "0.6.0", "0.7.0", "0.8.0", "1.0.0", "1.1.0"};

// OCI's lifecycle points, the hook names CDI accepts (validHookNames).
constexpr std::array<std::string_view, 6> hook_names = {"prestart",       "createRuntime", "createContainer",
                                                         "startContainer", "poststart",     "poststop"};

// YAML's aliases let a 1 MiB text name one node again and again (each device an alias of one
// with 4,096 mounts of 4,096 options each...), so the text's size alone does not bound the
// work of reading it. Each node read and each byte copied costs a unit; a spec without
// aliases costs less than twice its size.
constexpr std::size_t work_budget = 4 * max_cdi_spec_bytes;

bool ascii_equal_ignoring_case(std::string_view a, std::string_view b) {
    return a.size() == b.size() && ascii_lower_case(a) == ascii_lower_case(b);
}

class SpecReader {
public:
    explicit SpecReader(const std::string& file_name) : file_name_(file_name) {}

    [[noreturn]] void fail(const YAML::Mark& mark, const std::string& cause) const {
        std::string where = file_name_;
        if (!mark.is_null()) where += ":" + std::to_string(mark.line + 1);
        throw Error(ExitCode::data, where + ": " + cause);
    }
    [[noreturn]] void fail(const YAML::Node& at, const std::string& cause) const { fail(at.Mark(), cause); }

    void spend(const YAML::Node& at, std::size_t units) {
        if (units > work_budget - spent_) fail(at, "the spec repeats its parts (YAML aliases) too often to be read");
        spent_ += units;
    }

    // The fields of the mapping `node` (`what` names it in messages) among `known`, each once;
    // a field not given, or given as null, is nullopt.
    class Fields {
    public:
        Fields(SpecReader& reader, const YAML::Node& node, const std::string& what,
               std::initializer_list<std::string_view> known) {
            if (!node.IsMap()) reader.fail(node, what + " is not a mapping");
            for (std::string_view name : known) values_.emplace_back(name, std::nullopt);
            std::vector<bool> seen(values_.size(), false);
            for (const auto& entry : node) {
                reader.spend(entry.first, 1);
                const std::string& key = reader.string(entry.first, "a field's name in " + what);
                auto field = std::find_if(values_.begin(), values_.end(), [&](const auto& value) {
                    return ascii_equal_ignoring_case(value.first, key);
                });
                if (field == values_.end())
                    reader.fail(entry.first, "unknown field " + quoted_printable(key, 60) + " in " + what +
                                                 " (CDI refuses fields it does not know)");
                std::size_t index = static_cast<std::size_t>(field - values_.begin());
                if (seen[index]) reader.fail(entry.first, "field " + quoted_printable(key, 60) + " given twice in " + what);
                seen[index] = true;
                if (!entry.second.IsNull()) field->second = entry.second;
            }
        }

        const std::optional<YAML::Node>& operator[](std::string_view name) const {
            for (const auto& value : values_)
                if (value.first == name) return value.second;
            throw Error(ExitCode::software, "cdi_spec: no field " + std::string(name) + " was asked for");
        }

    private:
        std::vector<std::pair<std::string_view, std::optional<YAML::Node>>> values_;
    };

    const std::string& string(const YAML::Node& node, const std::string& what) {
        if (!node.IsScalar()) fail(node, what + " is not a string");
        const std::string& text = node.Scalar();
        spend(node, text.size());
        // A path or a name with a NUL would be cut short by every system call that takes it.
        if (text.find('\0') != std::string::npos) fail(node, what + " holds a NUL byte");
        return text;
    }

    std::string optional_string(const std::optional<YAML::Node>& node, const std::string& what) {
        return node ? string(*node, what) : std::string();
    }

    // An integer as Go's strconv.ParseInt(text, 0, 64) reads the YAML 1.1 plain scalars CDI's
    // loader sees: decimal, 0x hexadecimal, 0o or 0 octal. A quoted one is a string in YAML and
    // in JSON, which CDI's loader refuses for a number too.
    template <typename Integer>
    Integer integer(const YAML::Node& node, const std::string& what) {
        if (!node.IsScalar()) fail(node, what + " is not an integer");
        const std::string& text = string(node, what);
        bool plain = node.Tag() == "?";
        std::string_view digits = text;
        bool negative = !digits.empty() && digits.front() == '-';
        if (!digits.empty() && (digits.front() == '-' || digits.front() == '+')) digits.remove_prefix(1);
        int base = 10;
        if (digits.size() > 2 && digits[0] == '0' && (digits[1] == 'x' || digits[1] == 'X')) {
            base = 16;
            digits.remove_prefix(2);
        } else if (digits.size() > 2 && digits[0] == '0' && (digits[1] == 'o' || digits[1] == 'O')) {
            base = 8;
            digits.remove_prefix(2);
        } else if (digits.size() > 1 && digits[0] == '0') {
            base = 8;
            digits.remove_prefix(1);
        }
        std::uint64_t magnitude = 0;
        auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), magnitude, base);
        if (!plain || digits.empty() || error != std::errc() || end != digits.data() + digits.size())
            fail(node, what + " is not an integer: " + quoted_printable(text, 60));
        constexpr auto most = static_cast<std::uint64_t>(std::numeric_limits<Integer>::max());
        if (negative ? (!std::numeric_limits<Integer>::is_signed || magnitude > most + 1) : magnitude > most)
            fail(node, what + " is out of range: " + text);
        if (!negative) return static_cast<Integer>(magnitude);
        // -(most + 1) is the type's least value: written without overflowing on the way.
        return magnitude == 0 ? Integer(0) : static_cast<Integer>(-static_cast<Integer>(magnitude - 1) - 1);
    }

    // The entries of the sequence `node`, at most max_cdi_list_entries.
    std::vector<YAML::Node> list(const YAML::Node& node, const std::string& what) {
        if (!node.IsSequence()) fail(node, what + " is not a list");
        if (node.size() > max_cdi_list_entries)
            fail(node, what + " has " + std::to_string(node.size()) + " entries, more than " +
                           std::to_string(max_cdi_list_entries));
        spend(node, node.size());
        return {node.begin(), node.end()};
    }

    std::vector<std::string> strings(const std::optional<YAML::Node>& node, const std::string& what) {
        std::vector<std::string> values;
        if (!node) return values;
        for (const YAML::Node& entry : list(*node, what)) values.push_back(string(entry, "an entry of " + what));
        return values;
    }

    // NAME=VALUE entries, NAME a variable's name: what a payload's environment can hold.
    std::vector<std::string> environment(const std::optional<YAML::Node>& node, const std::string& what) {
        std::vector<std::string> entries;
        if (!node) return entries;
        for (const YAML::Node& entry : list(*node, what)) {
            const std::string& text = string(entry, "an entry of " + what);
            std::size_t equals = text.find('=');
            if (equals == std::string::npos || !is_shell_name(std::string_view(text).substr(0, equals)))
                fail(entry, what + ": " + quoted_printable(text, 60) + " is not NAME=VALUE with a variable's name");
            entries.push_back(text);
        }
        return entries;
    }

    CdiSpecDeviceNode device_node(const YAML::Node& node) {
        Fields fields(*this, node, "a device node",
                      {"path", "hostPath", "type", "major", "minor", "fileMode", "permissions", "uid", "gid"});
        CdiSpecDeviceNode device;
        device.path = optional_string(fields["path"], "a device node's path");
        if (!device.path.starts_with('/')) fail(node, "a device node's path " + quoted_printable(device.path, 100) + " is not absolute");
        device.host_path = optional_string(fields["hostPath"], "a device node's hostPath");
        if (!device.host_path.empty() && !device.host_path.starts_with('/'))
            fail(*fields["hostPath"], "a device node's hostPath " + quoted_printable(device.host_path, 100) + " is not absolute");
        device.type = optional_string(fields["type"], "a device node's type");
        static constexpr std::array<std::string_view, 5> types = {"", "b", "c", "u", "p"};
        if (std::find(types.begin(), types.end(), device.type) == types.end())
            fail(*fields["type"], "device node " + device.path + ": type " + quoted_printable(device.type, 20) +
                                      " is none of b, c, u and p");
        if (fields["major"]) device.major = integer<std::int64_t>(*fields["major"], "a device node's major");
        if (fields["minor"]) device.minor = integer<std::int64_t>(*fields["minor"], "a device node's minor");
        if (fields["fileMode"]) device.file_mode = integer<std::uint32_t>(*fields["fileMode"], "a device node's fileMode");
        device.permissions = optional_string(fields["permissions"], "a device node's permissions");
        if (device.permissions != "none" && device.permissions.find_first_not_of("rwm") != std::string::npos)
            fail(*fields["permissions"], "device node " + device.path + ": permissions " +
                                             quoted_printable(device.permissions, 20) + " are not made of r, w and m");
        if (fields["uid"]) device.uid = integer<std::uint32_t>(*fields["uid"], "a device node's uid");
        if (fields["gid"]) device.gid = integer<std::uint32_t>(*fields["gid"], "a device node's gid");
        return device;
    }

    CdiSpecMount mount(const YAML::Node& node) {
        Fields fields(*this, node, "a mount", {"hostPath", "containerPath", "options", "type"});
        CdiSpecMount mount;
        mount.host_path = optional_string(fields["hostPath"], "a mount's hostPath");
        mount.container_path = optional_string(fields["containerPath"], "a mount's containerPath");
        if (mount.host_path.empty()) fail(node, "a mount has no hostPath");
        if (!mount.container_path.starts_with('/'))
            fail(node, "a mount's containerPath " + quoted_printable(mount.container_path, 100) + " is not absolute");
        mount.options = strings(fields["options"], "a mount's options");
        mount.type = optional_string(fields["type"], "a mount's type");
        return mount;
    }

    CdiSpecHook hook(const YAML::Node& node) {
        Fields fields(*this, node, "a hook", {"hookName", "path", "args", "env", "timeout"});
        CdiSpecHook hook;
        hook.line = node.Mark().line + 1;
        hook.hook_name = optional_string(fields["hookName"], "a hook's hookName");
        if (std::find(hook_names.begin(), hook_names.end(), hook.hook_name) == hook_names.end())
            fail(node, "hookName " + quoted_printable(hook.hook_name, 40) +
                           " is none of prestart, createRuntime, createContainer, startContainer, poststart and poststop");
        hook.path = optional_string(fields["path"], "a hook's path");
        if (hook.path.empty()) fail(node, "a " + hook.hook_name + " hook has no path");
        hook.args = strings(fields["args"], "a hook's args");
        hook.env = environment(fields["env"], "a hook's env");
        if (fields["timeout"]) {
            hook.timeout = integer<int>(*fields["timeout"], "a hook's timeout");
            if (*hook.timeout <= 0) fail(*fields["timeout"], "a hook's timeout is not above 0 seconds");
        }
        return hook;
    }

    CdiContainerEdits edits(const YAML::Node& node, const std::string& what) {
        Fields fields(*this, node, what,
                      {"env", "deviceNodes", "mounts", "hooks", "additionalGids", "intelRdt", "netDevices"});
        CdiContainerEdits edits;
        edits.env = environment(fields["env"], what + ".env");
        if (const auto& nodes = fields["deviceNodes"])
            for (const YAML::Node& entry : list(*nodes, what + ".deviceNodes")) edits.device_nodes.push_back(device_node(entry));
        if (const auto& mounts = fields["mounts"])
            for (const YAML::Node& entry : list(*mounts, what + ".mounts")) edits.mounts.push_back(mount(entry));
        if (const auto& hooks = fields["hooks"])
            for (const YAML::Node& entry : list(*hooks, what + ".hooks")) edits.hooks.push_back(hook(entry));
        if (const auto& gids = fields["additionalGids"])
            for (const YAML::Node& entry : list(*gids, what + ".additionalGids"))
                edits.additional_gids.push_back(integer<std::uint32_t>(entry, "an entry of " + what + ".additionalGids"));
        if (const auto& rdt = fields["intelRdt"]) {
            if (!rdt->IsMap()) fail(*rdt, what + ".intelRdt is not a mapping");
            edits.intel_rdt = true;
        }
        if (const auto& net = fields["netDevices"]) edits.net_devices = list(*net, what + ".netDevices").size();
        return edits;
    }

    // Annotations are for tools reading the spec; only their shape is CDI's, and checked.
    void annotations(const std::optional<YAML::Node>& node, const std::string& what) {
        if (!node) return;
        if (!node->IsMap()) fail(*node, what + " is not a mapping");
        if (node->size() > max_cdi_list_entries) fail(*node, what + " has more than " + std::to_string(max_cdi_list_entries) + " entries");
        for (const auto& entry : *node) {
            string(entry.first, "a key of " + what);
            string(entry.second, "a value of " + what);
        }
    }

    CdiSpecDevice device(const YAML::Node& node) {
        Fields fields(*this, node, "a device", {"name", "annotations", "containerEdits"});
        CdiSpecDevice device;
        device.name = optional_string(fields["name"], "a device's name");
        if (!is_cdi_device_name(device.name))
            fail(node, "device name " + quoted_printable(device.name, 60) +
                           " is not letters, digits, '_', '-', '.' and ':', starting and ending with a letter or digit");
        std::string what = "device " + device.name;
        annotations(fields["annotations"], what + "'s annotations");
        if (const auto& edits_node = fields["containerEdits"]) device.edits = edits(*edits_node, what + "'s containerEdits");
        const CdiContainerEdits& e = device.edits;
        // CDI refuses such a device (Device.validate: "empty device edits").
        if (e.env.empty() && e.device_nodes.empty() && e.mounts.empty() && e.hooks.empty() && e.additional_gids.empty() &&
            !e.intel_rdt && e.net_devices == 0)
            fail(node, what + " has no containerEdits");
        return device;
    }

    CdiSpec spec(const YAML::Node& root) {
        Fields fields(*this, root, "the spec", {"cdiVersion", "kind", "annotations", "devices", "containerEdits"});
        CdiSpec spec;
        spec.file_name = file_name_;
        if (!fields["cdiVersion"]) fail(root, "the spec has no cdiVersion");
        spec.cdi_version = string(*fields["cdiVersion"], "cdiVersion");
        std::string_view version = spec.cdi_version;
        if (version.starts_with('v')) version.remove_prefix(1);  // CDI's newVersion allows "v1.0.0"
        if (std::find(known_versions.begin(), known_versions.end(), version) == known_versions.end())
            fail(*fields["cdiVersion"], "cdiVersion " + quoted_printable(spec.cdi_version, 40) +
                                            " is not a version hpc knows (0.1.0 to 1.1.0)");
        if (!fields["kind"]) fail(root, "the spec has no kind");
        const std::string& kind = string(*fields["kind"], "kind");
        std::size_t slash = kind.find('/');
        spec.vendor = kind.substr(0, std::min(slash, kind.size()));
        spec.device_class = slash == std::string::npos ? "" : kind.substr(slash + 1);
        if (!is_cdi_vendor_or_class(spec.vendor) || !is_cdi_vendor_or_class(spec.device_class))
            fail(*fields["kind"], "kind " + quoted_printable(kind, 60) +
                                      " is not VENDOR/CLASS, each letters, digits, '_', '-' and '.', starting with a letter");
        annotations(fields["annotations"], "the spec's annotations");
        if (const auto& edits_node = fields["containerEdits"]) spec.edits = edits(*edits_node, "containerEdits");
        if (!fields["devices"]) fail(root, "the spec has no devices");
        for (const YAML::Node& entry : list(*fields["devices"], "devices")) {
            CdiSpecDevice device = this->device(entry);
            for (const CdiSpecDevice& earlier : spec.devices)
                if (earlier.name == device.name) fail(entry, "device " + device.name + " is defined twice");
            spec.devices.push_back(std::move(device));
        }
        if (spec.devices.empty()) fail(*fields["devices"], "the spec defines no device");
        return spec;
    }

private:
    const std::string& file_name_;
    std::size_t spent_ = 0;
};

bool is_ascii_letter(char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'); }
bool is_ascii_alphanumeric(char c) { return is_ascii_letter(c) || (c >= '0' && c <= '9'); }

// A name whose first character passes `first`, its last is a letter or digit, and those
// between are letters, digits or among `inner`.
bool is_cdi_name(std::string_view name, bool (*first)(char), std::string_view inner) {
    if (name.empty() || !first(name.front()) || !is_ascii_alphanumeric(name.back())) return false;
    return std::all_of(name.begin(), name.end(), [&](char c) { return is_ascii_alphanumeric(c) || inner.find(c) != inner.npos; });
}

}  // namespace

bool is_cdi_vendor_or_class(std::string_view name) { return is_cdi_name(name, is_ascii_letter, "_-."); }

bool is_cdi_device_name(std::string_view name) { return is_cdi_name(name, is_ascii_alphanumeric, "_-.:"); }

CdiSpec parse_cdi_spec(std::string_view text, const std::string& file_name) {
    SpecReader reader(file_name);
    if (text.size() > max_cdi_spec_bytes)
        reader.fail(YAML::Mark::null_mark(), "larger than " + std::to_string(max_cdi_spec_bytes) + " bytes");
    try {
        YAML::Node root = YAML::Load(std::string(text));
        if (root.IsNull()) reader.fail(root, "the spec is empty");
        return reader.spec(root);
    } catch (const YAML::DeepRecursion& error) {
        // yaml-cpp's parser recurses once a level, and stops at 500 (its message, "bad file",
        // says nothing of it). A spec nests six levels deep.
        reader.fail(error.mark, "nested more than " + std::to_string(error.depth()) + " levels deep");
    } catch (const YAML::Exception& error) {
        reader.fail(error.mark, "not valid YAML: " + error.msg);
    }
}

}  // namespace hpc::gpu
