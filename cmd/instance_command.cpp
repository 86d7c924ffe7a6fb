#include "cmd/instance_command.hpp"

#include "cmd/instance_lookup.hpp"
#include "cmd/report.hpp"
#include "cmd/text_table.hpp"
#include "common/error.hpp"
#include "instance/instance_name.hpp"
#include "instance/instance_stats.hpp"

#include <nlohmann/json.hpp>

#include <csignal>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <thread>

namespace hpc::cmd {
namespace {

using instance::RunningInstance;

void add_start(CLI::App& instance, const char* name, const char* what, InstanceOptions& options, CLI::App*& command) {
    command = instance.add_subcommand(name, what);
    add_action_options(*command, options.start.action, false);
    command->add_option("--pid-file", options.start.pid_file, "write the instance's PID (its init's) to this file");
    command->callback([&options, command] { options.start.action.image_and_args = command->remaining(); });
}

void add_user(CLI::App& command, InstanceOptions& options) {
    command.add_option("-u,--user", options.user, "as root, another user's instances");
}

// "TERM", "SIGTERM" or "15".
int parse_signal(const std::string& text) {
    std::string name = text.starts_with("SIG") ? text.substr(3) : text;
    if (!name.empty() && name.find_first_not_of("0123456789") == std::string::npos && name.size() <= 2) {
        int number = std::stoi(name);
        if (number > 0 && number < NSIG) return number;
    }
    for (int number = 1; number < NSIG; ++number)
        if (const char* abbreviation = ::sigabbrev_np(number); abbreviation && name == abbreviation) return number;
    throw Error(ExitCode::usage, "--signal " + text + ": not a signal (a name such as TERM or a number)");
}

int list(const InstanceOptions& options) {
    if (options.json && options.logs) throw Error(ExitCode::usage, "--json and --logs cannot be used together");
    instance::InstanceDirectory directory = instances_of(options.user);
    UniqueFd proc = open_proc();
    std::vector<RunningInstance> running =
        instance::find_running_matching(directory, options.name.empty() ? "*" : options.name, proc.get());
    if (options.json) {
        nlohmann::json entries = nlohmann::json::array();
        for (const RunningInstance& each : running)
            entries.push_back({{"instance", each.record.name},     {"pid", each.record.pid},
                               {"img", each.record.image},         {"ip", each.record.ip},
                               {"logErrPath", each.record.log_err}, {"logOutPath", each.record.log_out}});
        std::cout << nlohmann::json{{"instances", entries}}.dump(1, '\t') << "\n";
        return 0;
    }
    std::vector<std::vector<std::string>> rows;
    if (options.logs) {
        rows.push_back({"INSTANCE NAME", "PID", "LOGS"});
        for (const RunningInstance& each : running) {
            rows.push_back({each.record.name, std::to_string(each.record.pid), each.record.log_err});
            rows.push_back({"", "", each.record.log_out});
        }
    } else {
        rows.push_back({"INSTANCE NAME", "PID", "IP", "IMAGE"});
        for (const RunningInstance& each : running)
            rows.push_back({each.record.name, std::to_string(each.record.pid), each.record.ip, each.record.image});
    }
    std::cout << aligned_table(rows);
    return 0;
}

int stop(const InstanceOptions& options) {
    if (options.all == !options.name.empty())
        throw Error(ExitCode::usage, "instance stop: give an instance's name (or a pattern), or --all");
    instance::InstanceDirectory directory = instances_of(options.user);
    UniqueFd proc = open_proc();
    std::string pattern = options.all ? "*" : options.name;
    std::vector<RunningInstance> running = instance::find_running_matching(directory, pattern, proc.get());
    if (running.empty()) {
        if (options.all) return 0;
        throw Error(ExitCode::no_input, "instance " + pattern + ": not running (hpc instance list shows those that are)");
    }
    int signal = options.force ? SIGKILL : options.signal.empty() ? SIGTERM : parse_signal(options.signal);
    for (const RunningInstance& each : running) {
        report_notice("stopping instance " + each.record.name + " (PID " + std::to_string(each.record.pid) + ")");
        instance::signal_instance(each, signal);
    }
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(options.timeout);
    for (const RunningInstance& each : running) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        if (instance::wait_for_end(each, std::max(left, std::chrono::milliseconds(0)))) continue;
        report_notice("killing instance " + each.record.name + ": still running after " +
                      std::to_string(options.timeout) + " s");
        instance::signal_instance(each, SIGKILL);
        if (!instance::wait_for_end(each, std::chrono::seconds(10)))
            throw Error(ExitCode::os, "instance " + each.record.name + ": its launcher outlived SIGKILL");
    }
    // A launcher killed before it could remove its record leaves it stale: cleaned by looking.
    for (const RunningInstance& each : running) instance::find_running(directory, each.record.name, proc.get());
    return 0;
}

// Apptainer's sizes (Docker's units.BytesSize): 4 significant digits and a binary unit.
std::string byte_size(double bytes) {
    const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    std::size_t unit = 0;
    while (bytes >= 1024 && unit + 1 < std::size(units)) bytes /= 1024, ++unit;
    char text[32];
    std::snprintf(text, sizeof text, "%.4g%s", bytes, units[unit]);
    return text;
}

std::string percent(double value) {
    char text[32];
    std::snprintf(text, sizeof text, "%.2f%%", value);
    return text;
}

int stats(const InstanceOptions& options) {
    if (options.name.empty()) throw Error(ExitCode::usage, "instance stats: give an instance's name");
    instance::InstanceDirectory directory = instances_of(options.user);
    UniqueFd proc = open_proc();
    RunningInstance running = running_instance(directory, options.name, proc.get());
    uint64_t limit = instance::node_memory_bytes(proc.get());
    constexpr auto interval = std::chrono::seconds(1);
    instance::InstanceUsage before = instance::measure_instance(proc.get(), running.init_process.get());
    for (;;) {
        std::this_thread::sleep_for(interval);
        instance::InstanceUsage now = instance::measure_instance(proc.get(), running.init_process.get());
        if (now.processes == 0) throw Error(ExitCode::no_input, "instance " + options.name + ": it has ended");
        double cpu = std::max(0.0, now.cpu_seconds - before.cpu_seconds) * 100.0 /
                     std::chrono::duration<double>(interval).count();
        double memory = limit ? static_cast<double>(now.memory_bytes) * 100.0 / static_cast<double>(limit) : 0.0;
        if (options.json) {
            nlohmann::json json = {{"instance", running.record.name},
                                   {"pid", running.record.pid},
                                   {"cpu", {{"seconds", now.cpu_seconds}, {"percent", cpu}}},
                                   {"memory", {{"bytes", now.memory_bytes}, {"limit", limit}, {"percent", memory}}},
                                   {"io", {{"readBytes", now.read_bytes}, {"writtenBytes", now.written_bytes}}},
                                   {"pids", now.processes}};
            std::cout << json.dump(1, '\t') << "\n";
            return 0;
        }
        if (!options.no_stream) std::cout << "\033[2J\033[H";  // the terminal cleared, as Apptainer's stream
        std::cout << aligned_table({{"INSTANCE NAME", "CPU USAGE", "MEM USAGE / LIMIT", "MEM %", "BLOCK I/O", "PIDS"},
                                    {running.record.name, percent(cpu),
                                     byte_size(static_cast<double>(now.memory_bytes)) + " / " +
                                         byte_size(static_cast<double>(limit)),
                                     percent(memory),
                                     byte_size(static_cast<double>(now.read_bytes)) + " / " +
                                         byte_size(static_cast<double>(now.written_bytes)),
                                     std::to_string(now.processes)}})
                  << std::flush;
        if (options.no_stream) return 0;
        before = now;
    }
}

}  // namespace

void add_instance_options(CLI::App& command, InstanceOptions& options) {
    command.require_subcommand(1);
    add_start(command, "start", "start an instance: the image's startscript, left running", options,
              options.start_command);
    add_start(command, "run", "start an instance: the image's runscript, left running", options, options.run_command);

    CLI::App* list = options.list_command = command.add_subcommand("list", "list your running instances");
    add_user(*list, options);
    list->add_flag("-j,--json", options.json, "print JSON, as Apptainer's");
    list->add_flag("-l,--logs", options.logs, "show the paths of the instances' logs");
    list->add_flag("-a,--all", options.all, "every instance (hpc lists every instance always)");
    list->add_option("name", options.name, "an instance's name or a shell pattern (default: all)");

    CLI::App* stop = options.stop_command = command.add_subcommand("stop", "stop running instances");
    add_user(*stop, options);
    stop->add_flag("-a,--all", options.all, "stop all your instances");
    stop->add_flag("-F,--force", options.force, "kill them (SIGKILL)");
    stop->add_option("-s,--signal", options.signal, "the signal that asks them to stop (default SIGTERM)");
    stop->add_option("-t,--timeout", options.timeout, "seconds before those still running are killed (default 10)")
        ->check(CLI::Range(0U, 3600U).description(""));
    stop->add_option("name", options.name, "an instance's name or a shell pattern");

    CLI::App* stats = options.stats_command = command.add_subcommand("stats", "show what an instance uses");
    add_user(*stats, options);
    stats->add_flag("-j,--json", options.json, "print JSON, once");
    stats->add_flag("--no-stream", options.no_stream, "print once, not every second");
    stats->add_option("name", options.name, "the instance's name")->required();
}

int run_instance_command(const InstanceOptions& options) {
    if (options.start_command->parsed()) return start_instance(options.start, sandbox::Action::start);
    if (options.run_command->parsed()) return start_instance(options.start, sandbox::Action::run);
    if (options.list_command->parsed()) return list(options);
    if (options.stop_command->parsed()) return stop(options);
    return stats(options);
}

}  // namespace hpc::cmd
