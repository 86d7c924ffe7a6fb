#include "definition/definition_stage.hpp"

#include "common/text.hpp"
#include "definition/app_sections.hpp"

#include <algorithm>
#include <array>
#include <map>
#include <optional>

namespace hpc::image::definition_stage {
namespace {

using definition_text::fail;
using definition_text::lowercase;
using definition_text::TextLine;

// deffile.go's validHeaders; "otherurl&n" there stands for otherurl followed by digits.
constexpr std::array<std::string_view, 24> known_header_keys = {
    "bootstrap", "from",        "includecmd", "mirrorurl",    "updateurl", "osversion", "include",  "library",
    "registry",  "namespace",   "stage",      "product",      "user",      "regcode",   "productpgp", "registerurl",
    "modules",   "fingerprints", "confurl",   "setopt",       "target",    "frontend",  "filename", "buildargs",
};

bool is_known_header_key(std::string_view key) {
    if (std::find(known_header_keys.begin(), known_header_keys.end(), key) != known_header_keys.end()) return true;
    constexpr std::string_view numbered = "otherurl";
    if (!key.starts_with(numbered) || key.size() == numbered.size()) return false;
    return std::all_of(key.begin() + numbered.size(), key.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// The bootstraps whose base image Apptainer takes as a SIF, checking its signatures.
constexpr std::array<std::string_view, 4> sif_bootstraps = {"localimage", "library", "oras", "shub"};

// deffile.go's validSections and appSections.
constexpr std::array<std::string_view, 11> known_sections = {
    "help", "setup", "files", "labels", "environment", "pre", "post", "runscript", "test", "startscript", "arguments",
};

// The sections hpc runs as `/bin/sh -e SCRIPT`, or with `-c SHELL ARGS` among their arguments as
// `/bin/sh -e -c "SHELL ARGS SCRIPT"` (Apptainer's getSectionScriptArgs; builder/stage_metadata.cpp's
// section_command). The other script sections' arguments go on their #! line instead.
constexpr std::array<std::string_view, 3> shell_sections = {"pre", "setup", "post"};

template <size_t N>
bool contains(const std::array<std::string_view, N>& names, std::string_view name) {
    return std::find(names.begin(), names.end(), name) != names.end();
}

}  // namespace

std::string_view before_comment(std::string_view text) { return text.substr(0, text.find('#')); }

void set_value(KeyValues& pairs, std::string key, std::string value) {
    auto same = std::find_if(pairs.begin(), pairs.end(), [&](const auto& pair) { return pair.first == key; });
    if (same != pairs.end()) {
        same->second = std::move(value);
    } else {
        pairs.emplace_back(std::move(key), std::move(value));
    }
}

void append_body(Script& script, const RawSection& section, std::string args) {
    if (script.line == 0) script.line = section.line;
    for (const TextLine& line : section.body) {
        script.body += line.text;
        script.body += '\n';
    }
    if (!args.empty()) script.args = std::move(args);
}

// `KEY VALUE`: the value being the rest of the line, trimmed, quotes and all.
void read_labels(KeyValues& labels, const RawSection& section) {
    for (const TextLine& line : section.body) {
        std::string_view text = trim(line.text);
        if (text.empty() || text.front() == '#') continue;
        size_t blank = text.find_first_of(" \t");
        std::string_view key = text.substr(0, blank);
        std::string_view value = blank == std::string_view::npos ? std::string_view() : trim(text.substr(blank));
        set_value(labels, std::string(key), std::string(value));
    }
}

namespace {

// The paths of a %files line: runs of characters other than blanks and quotes, or "quoted" or
// 'quoted' text (quotes removed, no escapes), as Apptainer's fileSplitter reads them; an unquoted
// field starting with '#' starts a comment. (Apptainer mishandles single quotes, keeping one and
// swallowing the rest of the line, and copies `src #c` to "#c".)
std::vector<std::string> file_fields(std::string_view text, const std::string& label, const std::string& name,
                                     int line) {
    std::vector<std::string> paths;
    size_t at = 0;
    while (true) {
        while (at < text.size() && is_ascii_space(text[at])) ++at;
        if (at == text.size()) return paths;
        char c = text[at];
        if (c == '"' || c == '\'') {
            size_t close = text.find(c, at + 1);
            if (close == std::string_view::npos)
                fail(name, line, label + " line \"" + std::string(text) + "\" has an unterminated quote");
            paths.emplace_back(text.substr(at + 1, close - at - 1));
            at = close + 1;
        } else if (c == '#') {
            return paths;
        } else {
            size_t end = at;
            while (end < text.size() && !is_ascii_space(text[end]) && text[end] != '"' && text[end] != '\'') ++end;
            paths.emplace_back(text.substr(at, end - at));
            at = end;
        }
    }
}

}  // namespace

std::vector<FileCopy> read_copy_lines(const RawSection& section, const std::string& label, const std::string& name,
                                      std::vector<std::string>& warnings) {
    std::vector<FileCopy> copies;
    for (const TextLine& line : section.body) {
        std::string_view text = trim(line.text);
        if (text.empty() || text.front() == '#') continue;
        std::vector<std::string> paths = file_fields(text, label, name, line.number);
        if (paths.size() > 2)
            fail(name, line.number,
                 label + " line \"" + std::string(text) +
                     "\" has more than a source and a destination (quote a path that holds spaces)");
        if (paths[0].empty()) {
            warnings.push_back(
                definition_text::located(name, line.number, "Attempt to copy file with no name, skipping."));
            continue;
        }
        copies.push_back({paths[0], paths.size() == 2 ? paths[1] : "", line.number});
    }
    return copies;
}

std::vector<std::string_view> words_of(std::string_view text) {
    std::vector<std::string_view> words;
    while (true) {
        text = trim_start(text);
        if (text.empty()) return words;
        size_t end = 0;
        while (end < text.size() && !is_ascii_space(text[end])) ++end;
        words.push_back(text.substr(0, end));
        text.remove_prefix(end);
    }
}

bool climbs_above_root(std::string_view path) {
    int depth = 0;
    while (!path.empty()) {
        size_t slash = path.find('/');
        std::string_view part = path.substr(0, slash);
        path = slash == std::string_view::npos ? std::string_view() : path.substr(slash + 1);
        if (part.empty() || part == ".") continue;
        if (part == "..") {
            if (depth == 0) return true;
            --depth;
        } else {
            ++depth;
        }
    }
    return false;
}

namespace {

class StageParser {
public:
    StageParser(const RawStage& raw, const std::string& name, std::vector<std::string>& warnings)
        : raw_(raw), name_(name), warnings_(warnings) {}

    DefinitionStage parse() {
        parse_header();
        check_fingerprints();
        for (const RawSection& section : raw_.sections) parse_section(section);
        check_shell_options();
        stage_.name = stage_.header_value("stage");
        return std::move(stage_);
    }

private:
    // `Key: value` lines; `# comments` (whole-line or trailing) and blank lines. A value ending in
    // a backslash continues on the next line, where a literal "\n" before that backslash becomes
    // a newline (how a PGP key is written into ProductPGP:). A continuation ends at its last
    // backslash-less line, or (deviation: Apptainer crashes or drops the value) at a blank or
    // comment line or the end of the header.
    void parse_header() {
        struct Pending {
            std::string key, value;
            int line = 0;
        };
        std::optional<Pending> pending;
        for (const TextLine& line : raw_.header) {
            std::string_view text = trim(line.text);
            if (text.empty() || text.front() == '#') {
                if (pending) finish_header_entry(pending->key, std::move(pending->value), pending->line);
                pending.reset();
                continue;
            }
            std::string_view content = before_comment(text);
            Pending entry;
            if (pending) {
                entry = std::move(*pending);
                entry.value += trim(content);
                pending.reset();
            } else {
                size_t colon = content.find(':');
                if (colon == std::string_view::npos)
                    fail(name_, line.number, "header key " + std::string(trim(content)) + " had no val");
                entry = {lowercase(trim(content.substr(0, colon))), std::string(trim(content.substr(colon + 1))), line.number};
            }
            if (entry.value.ends_with('\\')) {
                entry.value.pop_back();
                if (entry.value.ends_with("\\n")) entry.value.replace(entry.value.size() - 2, 2, "\n");
                pending = std::move(entry);
                continue;
            }
            finish_header_entry(entry.key, std::move(entry.value), entry.line);
        }
        if (pending) finish_header_entry(pending->key, std::move(pending->value), pending->line);
    }

    void finish_header_entry(const std::string& key, std::string value, int line) {
        if (!is_known_header_key(key)) fail(name_, line, "invalid header keyword found: " + key);
        if (stage_.header.empty()) stage_.header_line = line;
        header_lines_[key] = line;
        set_value(stage_.header, key, std::move(value));
    }

    // Apptainer checks a SIF base image's signatures against Fingerprints: (conveyorPacker_local.go,
    // which localimage, library, oras and shub reach); an empty value asks for no check, and other
    // bootstraps ignore the header. hpc cannot verify signatures, so it refuses where Apptainer
    // would check (a localimage directory too: which it is is known only when built) rather than
    // build unchecked, and says where it ignores the header as Apptainer does.
    void check_fingerprints() {
        if (stage_.header_value("fingerprints").empty()) return;
        int line = header_lines_.at("fingerprints");
        std::string bootstrap = lowercase(stage_.header_value("bootstrap"));
        if (contains(sif_bootstraps, bootstrap))
            fail(name_, line,
                 "Fingerprints: hpc cannot verify a base image's signatures (signing is not in hpc yet): remove the "
                 "header to build without the check");
        warnings_.push_back(definition_text::located(
            name_, line, "Fingerprints: ignored for Bootstrap: " + bootstrap +
                             ", as Apptainer ignores it (it checks the signatures of a SIF base image alone)"));
    }

    void parse_section(const RawSection& section) {
        if (app_sections::is_app_section(section.name)) {
            app_sections::add_app_section(stage_.apps, section, name_, warnings_);
            return;
        }
        if (!contains(known_sections, section.name))
            fail(name_, section.line, "invalid section(s) specified: " + section.name);
        std::string args(trim(before_comment(section.args)));
        if (section.name == "files") {
            parse_files(section, args);
        } else if (section.name == "labels") {
            read_labels(stage_.labels, section);
        } else if (section.name != "arguments") {  // read before templating, by definition.cpp
            if (!args.empty()) args_lines_[section.name] = section.line;
            append_body(*script_named(section.name), section, std::move(args));
        }
    }

    // A `-c` with no shell after it would otherwise fail only when its section runs, after the
    // stages before it were built: refused here, at the line whose arguments the section kept
    // (a later section's arguments replace earlier ones, so only those can fail). What follows
    // -c is left to the shell that runs it, as in Apptainer: `-c bash` is found on PATH.
    void check_shell_options() {
        for (std::string_view section : shell_sections) {
            std::vector<std::string_view> words = words_of(script_named(section)->args);
            auto option = std::find(words.begin(), words.end(), "-c");
            if (option != words.end() && option + 1 == words.end())
                fail(name_, args_lines_.at(std::string(section)),
                     "bad %" + std::string(section) +
                         " section '-c' parameter: missing arguments (-c needs a shell, e.g. -c /bin/bash)");
        }
    }

    Script* script_named(std::string_view section) {
        if (section == "pre") return &stage_.pre;
        if (section == "setup") return &stage_.setup;
        if (section == "post") return &stage_.post;
        if (section == "environment") return &stage_.environment;
        if (section == "runscript") return &stage_.runscript;
        if (section == "startscript") return &stage_.startscript;
        if (section == "test") return &stage_.test;
        return &stage_.help;
    }

    void parse_files(const RawSection& section, const std::string& args) {
        std::string from_stage;
        if (!args.empty()) {
            std::vector<std::string_view> words = words_of(args);
            if (words.size() != 2 || lowercase(words[0]) != "from")
                fail(name_, section.line, "invalid %files arguments \"" + args + "\": expected \"from <stage>\"");
            from_stage = words[1];
        }
        auto same = std::find_if(stage_.files.begin(), stage_.files.end(),
                                 [&](const FilesSection& files) { return files.from_stage == from_stage; });
        if (same == stage_.files.end()) {
            stage_.files.push_back({from_stage, {}, section.line});
            same = stage_.files.end() - 1;
        }
        for (FileCopy& copy : read_copy_lines(section, "%files", name_, warnings_)) {
            // Refused, where Apptainer joins the path to the root with securejoin, which would
            // quietly clamp it at the root.
            if (climbs_above_root(copy.destination))
                fail(name_, copy.line, "%files destination \"" + copy.destination + "\" is outside the container's root");
            same->copies.push_back(std::move(copy));
        }
    }

    const RawStage& raw_;
    const std::string& name_;
    std::vector<std::string>& warnings_;
    DefinitionStage stage_;
    std::map<std::string, int> args_lines_;  // section name -> the line of the arguments it keeps
    std::map<std::string, int> header_lines_;  // header key -> the line of the value it keeps
};

}  // namespace

RawStage split_stage(std::string_view chunk, int first_line) {
    RawStage stage;
    for (const TextLine& line : definition_text::split_lines(chunk, first_line)) {
        std::string_view text = trim_start(line.text);
        if (!text.empty() && text.front() == '%') {
            while (!text.empty() && text.front() == '%') text.remove_prefix(1);  // "%%post" is %post too
            size_t end = 0;
            while (end < text.size() && !is_ascii_space(text[end])) ++end;
            stage.sections.push_back({lowercase(text.substr(0, end)), text.substr(end), line.number, {}});
        } else if (stage.sections.empty()) {
            stage.header.push_back(line);
        } else {
            stage.sections.back().body.push_back(line);
        }
    }
    return stage;
}

bool is_blank(const RawStage& stage) {
    return stage.sections.empty() && std::all_of(stage.header.begin(), stage.header.end(), [](const TextLine& line) {
               std::string_view text = trim(line.text);
               return text.empty() || text.front() == '#';
           });
}

DefinitionStage parse_stage(const RawStage& stage, const std::string& name, std::vector<std::string>& warnings) {
    return StageParser(stage, name, warnings).parse();
}

}  // namespace hpc::image::definition_stage
