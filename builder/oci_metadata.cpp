#include "builder/oci_metadata.hpp"

#include "builder/tree_files.hpp"
#include "common/error.hpp"
#include "common/text.hpp"
#include "image/tree/image_metadata.hpp"
#include "sandbox/environment/known_scripts.hpp"
#include "sandbox/environment/shell_syntax.hpp"

#include <nlohmann/json.hpp>

#include <sys/stat.h>
#include <unistd.h>

namespace hpc::builder {
namespace {

const std::string meta = "/.singularity.d";

// A NUL byte would end a shell word early: refused, naming `what`.
void refuse_nul(std::string_view value, const std::string& what) {
    if (value.find('\0') != std::string_view::npos)
        throw Error(ExitCode::data, "image config: " + what + " holds a NUL byte, which no shell can pass on");
}

// `value` single-quoted for /bin/sh.
std::string quoted(std::string_view value, const std::string& what) {
    refuse_nul(value, what);
    return sandbox::single_quoted(value);
}

// " 'a' 'b c'": each element quoted, for a command line.
std::string quoted_words(const std::vector<std::string>& words, const std::string& field) {
    std::string text;
    for (std::size_t index = 0; index < words.size(); ++index)
        text += " " + quoted(words[index], field + " element " + std::to_string(index + 1));
    return text;
}

// Apptainer's 10-docker2singularity.sh: PATH is the image's outright; any other variable keeps a
// value it already has that is not empty (Apptainer writes `export NAME="${NAME:-"VALUE"}"`),
// and a name without '=' is exported, empty when unset. The same meaning is written
// (sandbox/environment/known_scripts) with the value single-quoted on its own, never inside a
// double-quoted expansion, where how nested quotes read has differed between shells. A name
// that is no shell name is left out, as Apptainer leaves it out.
std::string environment_script(const std::vector<std::string>& env) {
    std::vector<sandbox::DockerEnvEntry> entries;
    for (const std::string& entry : env) {
        std::size_t equals = entry.find('=');
        std::string name = entry.substr(0, equals);
        if (!is_shell_name(name)) continue;
        std::string value = equals == std::string::npos ? "" : entry.substr(equals + 1);
        refuse_nul(value, "Env entry " + name);
        entries.push_back({name, std::move(value), name != "PATH" || equals == std::string::npos});
    }
    return sandbox::docker_env_script(entries);
}

// Apptainer's runscript for an OCI image, with its --no-eval meaning always: Entrypoint, then
// the arguments given to run or, when there are none, Cmd. Every element is quoted here, so the
// shell runs exactly these words and evaluates nothing the image or the user wrote (Apptainer
// without --no-eval joins them and runs `eval`, which expands a $ or a backquote in the
// arguments and breaks on a double quote in one). With neither Entrypoint nor Cmd, Apptainer
// runs the arguments, and without any silently does nothing: here that is an error saying why.
//
// WorkingDir is not entered. Apptainer never enters it when it runs an image built from Docker
// or OCI, --compat included: the container starts in the user's working directory (or their
// home, when that is not bound); only the OCI bundle `apptainer oci` makes of a SIF uses it.
// Job scripts written for Apptainer rely on that, naming input files relative to where they
// were submitted. `hpc run --cwd DIR` starts elsewhere; `hpc inspect --oci` shows WorkingDir.
std::string runscript(const image::oci::RunConfig& run) {
    std::string script =
        "#!/bin/sh\n"
        "# The image's Entrypoint, then the arguments given to run or, without any, its Cmd.\n";
    if (!run.cmd.empty())
        script += "if [ $# -eq 0 ]; then\n    set --" + quoted_words(run.cmd, "Cmd") + "\nfi\n";
    else if (run.entrypoint.empty())
        script += "if [ $# -eq 0 ]; then\n"
                  "    echo 'hpc: the image has no Entrypoint or Cmd: give the command to run after the image' >&2\n"
                  "    exit 1\n"
                  "fi\n";
    return script + "exec" + quoted_words(run.entrypoint, "Entrypoint") + " \"$@\"\n";
}

// The config's Labels as Apptainer's labels.json has them, and as stage_metadata writes it
// (a definition built on this image adds its own to it). No labels: an empty object, where
// Apptainer writes `null`, which is no object of labels.
std::string labels_json(const std::vector<std::pair<std::string, std::string>>& labels) {
    nlohmann::json object = nlohmann::json::object();
    for (const auto& [name, value] : labels) object[name] = value;
    return object.dump(1, '\t', false, nlohmann::json::error_handler_t::replace);
}

bool is_link(const std::string& path) {
    struct stat status {};
    return ::lstat(path.c_str(), &status) == 0 && S_ISLNK(status.st_mode);
}

// `path` in the tree: its directory resolved inside `root` (a layer may have made /.singularity.d
// a link, an absolute one too, which must lead to the image's own directory and never to the
// host's) and made when missing; a link at the name itself is replaced by the file.
void write_in_tree(const std::string& root, const std::string& path, const std::string& content, unsigned mode) {
    std::size_t slash = path.rfind('/');
    std::string directory = resolve_inside(root, path.substr(0, slash));
    make_directories(directory);
    std::string file = directory + path.substr(slash);
    if (is_link(file) && ::unlink(file.c_str()) != 0) throw_errno("remove " + file);
    write_file(file, content, mode);
}

}  // namespace

void write_oci_metadata(const std::string& root, const image::oci::Image& image) {
    // Made first, so that a config no shell can hold leaves nothing half written.
    std::string environment = environment_script(image.run.env);
    std::string run = runscript(image.run);
    // 0755 as the other env/ scripts (base_environment.cpp), which are sourced, not run.
    write_in_tree(root, meta + "/env/10-docker2singularity.sh", environment, 0755);
    write_in_tree(root, meta + "/runscript", run, 0755);
    write_in_tree(root, meta + "/labels.json", labels_json(image.run.labels), 0644);
    write_in_tree(root, image::oci_manifest_path, image.manifest_json, 0644);
    write_in_tree(root, image::oci_config_path, image.config_json, 0644);
}

}  // namespace hpc::builder
