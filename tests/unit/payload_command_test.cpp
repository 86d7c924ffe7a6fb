// payload_command's contract: when it execs directly, with which argv and envp; when it
// needs the image's /bin/sh, and what it hands that shell. Running the result is
// action_script_test.cpp's business.
#include "common/error.hpp"
#include "sandbox/environment/action_script.hpp"
#include "sandbox/environment/environment.hpp"

#include "thrown_error.hpp"

#include <catch2/catch.hpp>

#include <ctime>

using namespace hpc::sandbox;

namespace {

using Strings = std::vector<std::string>;

ContainerEnvironment simple_environment() {
    ContainerEnvironment environment;
    environment.base = {{"HOME", "/home/u"}, {"PATH", std::string(default_path)}, {"APPTAINER_NAME", "a.sif"}};
    environment.host = {{"TERM", "xterm"}, {"EMPTY", ""}};
    environment.injected = {{"FOO", "bar"}};
    return environment;
}

ImageFacts plain_image() {
    ImageFacts image;
    image.has_bin_sh = true;
    return image;
}

hpc::Error error_of(const ContainerEnvironment& environment, const ImageFacts& image, Action action,
                    const Strings& args, const std::string& shell = "") {
    return hpc::test::thrown_error([&] { payload_command(environment, image, action, args, shell); });
}

const std::string default_path_entry = "PATH=" + std::string(default_path);

}  // namespace

TEST_CASE("payload_command: no scripts and nothing to evaluate: the command itself, its final environment") {
    PayloadCommand command = payload_command(simple_environment(), plain_image(), Action::exec, {"python3", "-V"}, "");
    CHECK_FALSE(command.via_shell);
    CHECK(command.argv == Strings{"python3", "-V"});
    CHECK(command.envp == Strings{"HOME=/home/u", default_path_entry, "APPTAINER_NAME=a.sif", "FOO=bar", "TERM=xterm",
                                  "EMPTY=", "PS1=hpc> ", "PROMPT_COMMAND=PS1=\"hpc> \"; unset PROMPT_COMMAND"});
    CHECK(command.notice.empty());
}

// Each name was looked up along the list of those before it: the 100,000 names of a 1 MiB
// --env-file took 15 s of CPU; an index makes it a fraction of a second.
TEST_CASE("payload_command: 100,000 injected names are placed in well under a second") {
    ContainerEnvironment environment = simple_environment();
    for (int i = 0; i < 100000; ++i) environment.injected.emplace_back("V" + std::to_string(i), "1");
    std::clock_t start = std::clock();
    PayloadCommand command = payload_command(environment, plain_image(), Action::exec, {"true"}, "");
    double cpu_seconds = static_cast<double>(std::clock() - start) / CLOCKS_PER_SEC;
    CHECK(command.envp.size() == 100000 + 8);
    CHECK(command.envp[4] == "V0=1");
    CHECK(cpu_seconds < 3);
}

TEST_CASE("payload_command: an image without /bin/sh runs a command when nothing needs a shell") {
    ImageFacts image;
    PayloadCommand command = payload_command(simple_environment(), image, Action::exec, {"/app"}, "");
    CHECK_FALSE(command.via_shell);
    CHECK(command.argv == Strings{"/app"});
}

TEST_CASE("payload_command: the user's PATH forms and LD_LIBRARY_PATH edits, computed directly") {
    ContainerEnvironment environment = simple_environment();
    environment.injected = {{"SING_USER_DEFINED_PREPEND_PATH", "/p"},
                            {"SING_USER_DEFINED_APPEND_PATH", "/a"},
                            {"LD_LIBRARY_PATH", "/l:/.singularity.d/libs"},
                            {"PREPEND_LD_LIBRARY_PATH", "/pl"},
                            {"APPEND_LD_LIBRARY_PATH", "/al"},
                            {"TERM", ""}};
    environment.host = {{"TERM", "xterm"}, {"PS1", "host$ "}, {"PROMPT_COMMAND", "history -a"}};
    PayloadCommand command = payload_command(environment, plain_image(), Action::exec, {"env"}, "");
    CHECK_FALSE(command.via_shell);
    CHECK(command.envp ==
          Strings{"HOME=/home/u", "PATH=/p:" + std::string(default_path) + ":/a", "APPTAINER_NAME=a.sif",
                  "LD_LIBRARY_PATH=/pl:/l:/.singularity.d/libs:/al", "PREPEND_LD_LIBRARY_PATH=/pl",
                  "APPEND_LD_LIBRARY_PATH=/al", "PS1=host$ ",
                  "PROMPT_COMMAND=history -a; PROMPT_COMMAND=\"${PROMPT_COMMAND%%; PROMPT_COMMAND=*}\"; "
                  "PS1=\"host$ \""});
}

TEST_CASE("payload_command: an empty PATH of the user's is kept as a variable, as runtime_vars.sh does") {
    ContainerEnvironment environment = simple_environment();
    environment.injected = {{"SING_USER_DEFINED_PATH", ""}};
    PayloadCommand command = payload_command(environment, plain_image(), Action::exec, {"env"}, "");
    CHECK(command.envp[1] == default_path_entry);
    CHECK(std::find(command.envp.begin(), command.envp.end(), "SING_USER_DEFINED_PATH=") != command.envp.end());
}

TEST_CASE("payload_command: environment scripts need the image's shell, host variables travel as HPC_HOST_") {
    ImageFacts image = plain_image();
    image.env_scripts = {"/.singularity.d/env/01-base.sh", "/.singularity.d/env/99-base.sh"};
    PayloadCommand command = payload_command(simple_environment(), image, Action::exec, {"python3", "-V"}, "");
    CHECK(command.via_shell);
    REQUIRE(command.argv.size() == 6);
    CHECK(command.argv[0] == "/bin/sh");
    CHECK(command.argv[1] == "-c");
    CHECK(command.argv[2] == action_script(simple_environment(), image, Action::exec, ""));
    CHECK(Strings(command.argv.begin() + 3, command.argv.end()) == Strings{"hpc", "python3", "-V"});
    CHECK(command.envp == Strings{"HOME=/home/u", default_path_entry, "APPTAINER_NAME=a.sif", "HPC_HOST_TERM=xterm",
                                  "HPC_HOST_EMPTY="});
}

TEST_CASE("payload_command: a value to evaluate needs the shell, --no-eval does not") {
    ContainerEnvironment environment = simple_environment();
    for (const std::string value : {"$HOME/x", "`id -u`", "a\\b"}) {
        environment.injected = {{"V", value}};
        environment.evaluate = true;
        CHECK(payload_command(environment, plain_image(), Action::exec, {"env"}, "").via_shell);
        environment.evaluate = false;
        PayloadCommand literal = payload_command(environment, plain_image(), Action::exec, {"env"}, "");
        CHECK_FALSE(literal.via_shell);
        CHECK(std::find(literal.envp.begin(), literal.envp.end(), "V=" + value) != literal.envp.end());
    }
    environment.evaluate = true;
    environment.injected = {{"V", "say \"hi\" it's *"}};
    CHECK_FALSE(payload_command(environment, plain_image(), Action::exec, {"env"}, "").via_shell);
}

TEST_CASE("payload_command: no /bin/sh where one is needed is the image's fault") {
    ImageFacts image;
    image.env_scripts = {"/.singularity.d/env/99-base.sh"};
    hpc::Error scripts = error_of(simple_environment(), image, Action::exec, {"true"});
    CHECK(scripts.code() == hpc::ExitCode::data);
    CHECK(std::string(scripts.what()) == "the image has no /bin/sh to source its environment scripts");

    ContainerEnvironment environment = simple_environment();
    environment.injected = {{"V", "$HOME"}};
    hpc::Error evaluation = error_of(environment, ImageFacts{}, Action::exec, {"true"});
    CHECK(evaluation.code() == hpc::ExitCode::data);
    CHECK(std::string(evaluation.what()) ==
          "the image has no /bin/sh to evaluate the values given with --env or *ENV_* variables (--no-eval needs "
          "none)");
}

TEST_CASE("payload_command: a script too long for one argument is refused before the exec fails") {
    ContainerEnvironment environment = simple_environment();
    for (int i = 0; i < 3000; ++i) environment.host.emplace_back("MODULE_VARIABLE_NUMBER_" + std::to_string(i), "x");
    ImageFacts image = plain_image();
    image.env_scripts = {"/.singularity.d/env/99-base.sh"};
    hpc::Error error = error_of(environment, image, Action::exec, {"true"});
    CHECK(error.code() == hpc::ExitCode::usage);
    CHECK(std::string(error.what()) == "the environment is too large for the container's shell script (3002 host "
                                       "variables, 1 values): use --cleanenv or --no-env");
    environment.host.resize(1000);  // the compact form fits where the fast one would not
    std::string script = payload_command(environment, image, Action::exec, {"true"}, "").argv[2];
    CHECK(script.size() < 128 * 1024);
    CHECK(script.find("\n_hpc_restore TERM EMPTY MODULE_VARIABLE_NUMBER_0 ") != std::string::npos);
}

TEST_CASE("payload_command: exec needs a command") {
    hpc::Error error = error_of(simple_environment(), plain_image(), Action::exec, {});
    CHECK(error.code() == hpc::ExitCode::usage);
    CHECK(std::string(error.what()) == "exec: no command to run");
}

TEST_CASE("payload_command: run is the runscript, else /bin/sh with a notice") {
    ImageFacts image = plain_image();
    image.has_runscript = true;
    PayloadCommand runscript = payload_command(simple_environment(), image, Action::run, {"--input", "a.h5"}, "");
    CHECK(runscript.argv == Strings{"/.singularity.d/runscript", "--input", "a.h5"});
    CHECK(runscript.notice.empty());

    image.has_runscript = false;
    PayloadCommand sh = payload_command(simple_environment(), image, Action::run, {"-c", "true"}, "");
    CHECK(sh.argv == Strings{"/bin/sh", "-c", "true"});
    CHECK(sh.notice == "no runscript in the image, running /bin/sh");

    image.has_bin_sh = false;
    hpc::Error error = error_of(simple_environment(), image, Action::run, {});
    CHECK(error.code() == hpc::ExitCode::data);
    CHECK(std::string(error.what()) == "the image has no runscript and no /bin/sh to run");
}

TEST_CASE("payload_command: test is the test script, else nothing to run and a notice") {
    ImageFacts image = plain_image();
    image.has_test = true;
    CHECK(payload_command(simple_environment(), image, Action::test, {"x"}, "").argv ==
          Strings{"/.singularity.d/test", "x"});
    image.has_test = false;
    image.env_scripts = {"/.singularity.d/env/99-base.sh"};
    PayloadCommand nothing = payload_command(simple_environment(), image, Action::test, {}, "");
    CHECK(nothing.argv.empty());
    CHECK_FALSE(nothing.via_shell);
    CHECK(nothing.notice == "no test script in the image");
}

TEST_CASE("payload_command: shell is --shell, else /bin/bash --norc, else /bin/sh, with SHELL set") {
    ImageFacts image = plain_image();
    image.has_bin_bash = true;
    ContainerEnvironment environment = simple_environment();
    environment.host.emplace_back("SHELL", "/bin/zsh");

    PayloadCommand bash = payload_command(environment, image, Action::shell, {"-l"}, "");
    CHECK(bash.argv == Strings{"/bin/bash", "--norc", "-l"});
    CHECK(bash.envp.back() == "SHELL=/bin/bash");
    CHECK(std::count_if(bash.envp.begin(), bash.envp.end(), [](const std::string& e) { return e.starts_with("SHELL="); }) == 1);

    image.has_bin_bash = false;
    PayloadCommand sh = payload_command(environment, image, Action::shell, {}, "");
    CHECK(sh.argv == Strings{"/bin/sh"});
    CHECK(sh.envp.back() == "SHELL=/bin/sh");

    PayloadCommand chosen = payload_command(environment, image, Action::shell, {"-i"}, "/usr/bin/fish");
    CHECK(chosen.argv == Strings{"/usr/bin/fish", "-i"});
    CHECK(std::find(chosen.envp.begin(), chosen.envp.end(), "SHELL=/bin/zsh") != chosen.envp.end());

    hpc::Error none = error_of(environment, ImageFacts{}, Action::shell, {});
    CHECK(none.code() == hpc::ExitCode::data);
    CHECK(std::string(none.what()) == "the image has no /bin/bash or /bin/sh for a shell (name one with --shell)");
}

TEST_CASE("action_script: script paths are quoted, values single-quoted or evaluated by name") {
    ContainerEnvironment environment = simple_environment();
    environment.injected = {{"PLAIN", "it's"}, {"EVAL", "$HOME/\"x\""}};
    ImageFacts image = plain_image();
    image.env_scripts = {"/.singularity.d/env/01 it's.sh", "/.singularity.d/env/99-base.sh"};
    std::string script = action_script(environment, image, Action::exec, "");
    CHECK(script.find("[ ! -f '/.singularity.d/env/01 it'\\''s.sh' ] || . '/.singularity.d/env/01 it'\\''s.sh'\n") !=
          std::string::npos);
    CHECK(script.find("export PLAIN='it'\\''s'\n") != std::string::npos);
    CHECK(script.find("command eval 'export EVAL=\"$HOME/\\\"x\\\"\"' || ") != std::string::npos);
    // The values come after 99-base.sh, and the host's variables after everything else.
    CHECK(script.find("99-base.sh'\n[ -n \"${PATH+x}\" ] || export PATH=") != std::string::npos);
    CHECK(script.find("export PLAIN") < script.find("case ${TERM+x}${EMPTY+x} in '') export TERM="));
    environment.evaluate = false;
    CHECK(action_script(environment, image, Action::exec, "").find("export EVAL='$HOME/\"x\"'\n") !=
          std::string::npos);
}
