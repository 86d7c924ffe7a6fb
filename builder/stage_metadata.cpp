#include "builder/stage_metadata.hpp"

#include "builder/tree_files.hpp"
#include "common/error.hpp"
#include "common/text.hpp"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <ctime>
#include <filesystem>
#include <map>
#include <sstream>

namespace hpc::builder {
namespace {

const std::string meta = "/.singularity.d";
// As much as hpc reads of one file of an image (image::ImageTree::read_file): a larger labels
// file could not be inspected once built.
constexpr std::size_t max_labels_bytes = 16 << 20;

// "#!/bin/bash\nbody" -> the script with its #! line (args appended to it), as Apptainer's
// handleShebangScript makes it; /bin/sh when the body has none.
std::string with_shebang(const image::Script& script) {
    std::string shebang = "#!/bin/sh";
    std::string body = script.body;
    std::size_t first = body.find_first_not_of(" \t\n");
    if (first != std::string::npos && body.compare(first, 2, "#!") == 0) {
        std::size_t end = body.find('\n', first);
        shebang = body.substr(first, end == std::string::npos ? std::string::npos : end - first);
        body = end == std::string::npos ? "" : body.substr(end + 1);
        shebang.resize(trim_end(shebang).size());
    }
    std::string args = script.args.substr(0, script.args.find('#'));
    if (!args.empty()) shebang += " " + args;
    return shebang + "\n\n" + body + "\n";
}

// Apptainer's build-date label: "Monday_23_November_2026_4:5:6_UTC".
std::string build_date(int64_t seconds) {
    static const char* weekdays[] = {"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"};
    static const char* months[] = {"January", "February", "March",     "April",   "May",      "June",
                                   "July",    "August",   "September", "October", "November", "December"};
    std::time_t time = static_cast<std::time_t>(seconds);
    std::tm utc{};
    ::gmtime_r(&time, &utc);
    std::ostringstream text;
    text << weekdays[utc.tm_wday] << '_' << utc.tm_mday << '_' << months[utc.tm_mon] << '_' << utc.tm_year + 1900 << '_'
         << utc.tm_hour << ':' << utc.tm_min << ':' << utc.tm_sec << "_UTC";
    return text.str();
}

std::string rfc3339(int64_t seconds) {
    std::time_t time = static_cast<std::time_t>(seconds);
    std::tm utc{};
    ::gmtime_r(&time, &utc);
    char text[32];
    std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &utc);
    return text;
}

// `KEY VALUE` lines (what %post appends to $APPTAINER_LABELS).
std::vector<std::pair<std::string, std::string>> label_lines(const std::string& text) {
    std::vector<std::pair<std::string, std::string>> labels;
    for (std::string_view line : split_lines(text)) {
        line = trim_start(line, " \t");
        if (line.empty() || line.front() == '#') continue;
        std::size_t key_end = line.find_first_of(" \t");
        std::string_view key = line.substr(0, key_end);
        std::string_view value = key_end == std::string_view::npos ? "" : trim_start(line.substr(key_end), " \t");
        labels.emplace_back(key, value);
    }
    return labels;
}

std::vector<std::string> write_labels(const std::string& root, const image::DefinitionStage& stage,
                                      const MetadataContext& context) {
    std::map<std::string, std::string> labels;
    if (std::optional<std::string> existing = read_file_if_exists(root + meta + "/labels.json", max_labels_bytes)) {
        nlohmann::json parsed = nlohmann::json::parse(*existing, nullptr, false);
        if (parsed.is_object())
            for (const auto& [key, value] : parsed.items()) labels[key] = value.is_string() ? value.get<std::string>() : value.dump();
    }
    if (std::optional<std::string> appended = read_file_if_exists(root + "/.build.labels", max_labels_bytes)) {
        for (auto& [key, value] : label_lines(*appended)) labels[key] = value;
        std::filesystem::remove(root + "/.build.labels");
    }
    labels["org.label-schema.schema-version"] = "1.0";
    labels["org.label-schema.build-date"] = build_date(context.build_time);
    labels["org.opencontainers.image.created"] = rfc3339(context.build_time);
    labels["org.label-schema.usage.hpc.version"] = context.hpc_version;
    labels["org.label-schema.build-arch"] = context.arch;
    labels["org.opencontainers.image.architecture"] = context.arch;
    if (!stage.help.body.empty()) {
        labels["org.label-schema.usage"] = meta + "/runscript.help";
        labels["org.label-schema.usage.apptainer.runscript.help"] = meta + "/runscript.help";
    }
    for (const auto& [key, value] : stage.header) labels["org.label-schema.usage.singularity.deffile." + key] = value;
    std::vector<std::string> warnings;
    for (const auto& [key, value] : stage.labels) {
        if (labels.count(key) && labels[key] != value) {
            warnings.push_back("label " + key + " is in the image already: kept as it was");
            continue;
        }
        labels[key] = value;
    }
    write_file(root + meta + "/labels.json", nlohmann::json(labels).dump(1, '\t'), 0644);
    return warnings;
}

void write_definition(const std::string& root, const std::string& definition_text) {
    const std::string path = root + meta + "/Singularity";
    if (exists(path)) {
        // The base's own definition is kept in the history, as Apptainer keeps it.
        const std::string history = root + meta + "/bootstrap_history";
        make_directories(history);
        std::size_t count = 0;
        for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator(history)) ++count;
        std::filesystem::rename(path, history + "/Apptainer" + std::to_string(count));
    }
    write_file(path, definition_text, 0644);
}

}  // namespace

std::vector<std::string> section_command(const std::string& script_path, const std::string& args) {
    std::vector<std::string> params;
    std::istringstream words(args.substr(0, args.find('#')));
    for (std::string word; words >> word;) params.push_back(word);
    std::vector<std::string> command = {"/bin/sh", "-e"};
    for (std::size_t index = 0; index < params.size(); ++index) {
        if (params[index] != "-c") {
            command.push_back(params[index]);
            continue;
        }
        std::string shell;
        for (std::size_t rest = index + 1; rest < params.size(); ++rest) shell += params[rest] + " ";
        command.push_back("-c");
        command.push_back(shell + script_path);
        return command;
    }
    command.push_back(script_path);
    return command;
}

std::vector<std::string> write_metadata(const std::string& root, const image::DefinitionStage& stage,
                                        const std::string& definition_text, const MetadataContext& context) {
    make_directories(root + meta + "/env");
    if (!stage.runscript.body.empty()) write_file(root + meta + "/runscript", with_shebang(stage.runscript), 0755);
    if (!stage.startscript.body.empty()) write_file(root + meta + "/startscript", with_shebang(stage.startscript), 0755);
    if (!stage.test.body.empty()) write_file(root + meta + "/test", with_shebang(stage.test), 0755);
    if (!stage.help.body.empty()) write_file(root + meta + "/runscript.help", stage.help.body, 0644);
    if (!stage.environment.body.empty()) {
        const std::string environment = root + meta + "/env/90-environment.sh";
        write_if_missing(environment, "#!/bin/sh\n", 0755);
        append_file(environment, "\n" + stage.environment.body + "\n");
    }
    std::vector<std::string> warnings = write_labels(root, stage, context);
    write_definition(root, definition_text);
    return warnings;
}

}  // namespace hpc::builder
