#include "instance/instance_record.hpp"

#include "common/error.hpp"

#include <nlohmann/json.hpp>

namespace hpc::instance {

// Apptainer's names where it has the field (internal/pkg/instance's File), hpc's own besides.
std::string to_json(const InstanceRecord& record) {
    nlohmann::json json = {
        {"name", record.name},         {"user", record.user},
        {"pid", record.pid},           {"pidStart", record.pid_start},
        {"ppid", record.launcher},     {"ppidStart", record.launcher_start},
        {"image", record.image},       {"ip", record.ip},
        {"logOutPath", record.log_out}, {"logErrPath", record.log_err},
        {"fakeroot", record.fakeroot}, {"slurmJob", record.slurm_job},
        {"started", record.started},
    };
    return json.dump(1, '\t') + "\n";
}

InstanceRecord parse_record(std::string_view text, std::string_view name) {
    auto fail = [&](const std::string& why) -> Error {
        return Error(ExitCode::data, "instance record " + std::string(name) + ": " + why);
    };
    if (text.size() > max_record_bytes) throw fail("larger than " + std::to_string(max_record_bytes) + " bytes");
    nlohmann::json json = nlohmann::json::parse(text, nullptr, false);
    if (!json.is_object()) throw fail("not a JSON object");
    InstanceRecord record;
    try {
        record.name = json.at("name").get<std::string>();
        record.user = json.at("user").get<std::string>();
        record.pid = json.at("pid").get<pid_t>();
        record.pid_start = json.at("pidStart").get<uint64_t>();
        record.launcher = json.at("ppid").get<pid_t>();
        record.launcher_start = json.at("ppidStart").get<uint64_t>();
        record.image = json.at("image").get<std::string>();
        record.ip = json.at("ip").get<std::string>();
        record.log_out = json.at("logOutPath").get<std::string>();
        record.log_err = json.at("logErrPath").get<std::string>();
        record.fakeroot = json.at("fakeroot").get<bool>();
        record.slurm_job = json.at("slurmJob").get<std::string>();
        record.started = json.at("started").get<int64_t>();
    } catch (const nlohmann::json::exception& error) {
        throw fail(error.what());
    }
    if (record.name != name) throw fail("it names the instance " + record.name);
    if (record.pid <= 0 || record.launcher <= 0) throw fail("no process ids");
    return record;
}

}  // namespace hpc::instance
