#include "slurm/task_options.hpp"

#include "common/error.hpp"
#include "common/text.hpp"

namespace hpc::slurm {
namespace {

void add_line(std::string& out, std::string_view key, const std::string& value) {
    if (value.find('\n') != std::string::npos)
        throw Error(ExitCode::usage, "--hpc-" + std::string(key) + " " + value + ": a value cannot contain a newline");
    out.append(key).append("=").append(value).append("\n");
}

}  // namespace

TaskOptions merge(const TaskOptions& defaults, const TaskOptions& given) {
    TaskOptions merged = given;
    if (merged.image.empty()) merged.image = defaults.image;
    merged.binds.insert(merged.binds.begin(), defaults.binds.begin(), defaults.binds.end());
    merged.env.insert(merged.env.begin(), defaults.env.begin(), defaults.env.end());
    if (merged.pwd.empty()) merged.pwd = defaults.pwd;
    if (merged.network.empty()) merged.network = defaults.network;
    merged.writable_tmpfs = given.writable_tmpfs || defaults.writable_tmpfs;
    merged.nv = given.nv || defaults.nv;
    merged.rocm = given.rocm || defaults.rocm;
    merged.stage = given.stage || defaults.stage;
    if (merged.batch_script.empty()) merged.batch_script = defaults.batch_script;
    return merged;
}

std::string encode_task(const TaskOptions& options, const std::string& command) {
    std::string out;
    add_line(out, "image", options.image);
    for (const std::string& bind : options.binds) add_line(out, "bind", bind);
    for (const std::string& variable : options.env) add_line(out, "env", variable);
    if (!options.pwd.empty()) add_line(out, "pwd", options.pwd);
    if (!options.network.empty()) add_line(out, "network", options.network);
    if (options.writable_tmpfs) add_line(out, "writable-tmpfs", "1");
    if (options.nv) add_line(out, "nv", "1");
    if (options.rocm) add_line(out, "rocm", "1");
    if (options.stage) add_line(out, "stage", "1");
    if (!options.batch_script.empty()) add_line(out, "batch-script", options.batch_script);
    add_line(out, "command", command);
    return out;
}

bool set_option(TaskOptions& options, std::string_view key, std::string value) {
    if (key == "image") options.image = std::move(value);
    else if (key == "bind") options.binds.push_back(std::move(value));
    else if (key == "env") options.env.push_back(std::move(value));
    else if (key == "pwd") options.pwd = std::move(value);
    else if (key == "network") options.network = std::move(value);
    else if (key == "writable-tmpfs") options.writable_tmpfs = true;
    else if (key == "nv") options.nv = true;
    else if (key == "rocm") options.rocm = true;
    else if (key == "stage") options.stage = true;
    else if (key == "batch-script") options.batch_script = std::move(value);
    else return false;
    return true;
}

Task decode_task(std::string_view value) {
    Task task;
    for (std::string_view line : split_lines(value)) {
        size_t equals = line.find('=');
        std::string_view key = line.substr(0, equals);
        std::string text(equals == std::string_view::npos ? std::string_view() : line.substr(equals + 1));
        if (key == "command") task.command = text;
        else if (!set_option(task.options, key, text)) throw Error(ExitCode::usage, std::string(task_variable) + ": unknown line '" + std::string(line) +
                                              "' (from an hpc SPANK plugin of another version?)");
    }
    if (task.options.image.empty() || task.command.empty())
        throw Error(ExitCode::usage, std::string(task_variable) + ": no image or no command");
    return task;
}

std::vector<std::string> exec_arguments(const Task& task) {
    const TaskOptions& options = task.options;
    std::vector<std::string> arguments{"exec"};
    auto add = [&arguments](std::string option, const std::string& value) {
        arguments.push_back(std::move(option));
        arguments.push_back(value);
    };
    for (const std::string& bind : options.binds) add("--bind", bind);
    // The batch script is a file in slurmstepd's spool directory: shown at the same path.
    if (!options.batch_script.empty()) add("--bind", options.batch_script);
    for (const std::string& variable : options.env) add("--env", variable);
    if (!options.pwd.empty()) add("--pwd", options.pwd);
    if (!options.network.empty()) add("--network", options.network);
    if (options.writable_tmpfs) arguments.push_back("--writable-tmpfs");
    if (options.nv) arguments.push_back("--nv");
    if (options.rocm) arguments.push_back("--rocm");
    arguments.push_back(options.image);
    arguments.push_back(task.command);
    return arguments;
}

}  // namespace hpc::slurm
