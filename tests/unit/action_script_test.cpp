// hpc's action script in real shells (action_script_harness.hpp): restoring host variables,
// PS1, library paths, finding commands, run and shell, odd values, and the direct exec's match.
#include "action_script_harness.hpp"

using namespace hpc::sandbox;
using namespace hpc::test::action_script;

TEST_CASE("action script: a Docker-made PATH gets the default PATH's missing directories") {
    Image image("default");
    image.add_script("10-docker2singularity.sh", "export PATH=\"/opt/conda/bin:/usr/bin:/bin\"\n");
    for (const Shell& shell : shells()) {
        INFO(shell.name);
        CHECK(value_in(shell, image, request_for(image), "PATH") ==
              "/opt/conda/bin:/usr/bin:/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/sbin");
    }
}

TEST_CASE("action script: an image without 99-base.sh gets the user's values after its last script") {
    Image image("none");
    image.add_script("50-app.sh", "export APP=image\nexport OTHER=image\n");
    for (const Shell& shell : shells()) {
        INFO(shell.name);
        EnvironmentRequest request = request_for(image);
        request.env_options = {"APP=user"};
        CHECK(echo_in(shell, image, request, "echo \"$APP $OTHER\"") == "user image");
    }
}

TEST_CASE("action script: the image's scripts see no host variable under its name, the command sees no carrier") {
    Image image("default");
    image.add_script("50-probe.sh",
                     "SEEN=\"${FOO-unset} ${TERM-unset} $HOME\"\n"
                     "CHILD_SEES=$(/usr/bin/env | /usr/bin/grep -c -e '^FOO=' -e '^TERM=')\n"
                     "export SEEN CHILD_SEES\n");
    for (const Shell& shell : shells()) {
        INFO(shell.name);
        EnvironmentRequest request = request_for(image, {"FOO=bar", "TERM=xterm"});
        CHECK(echo_in(shell, image, request,
                      "echo \"$SEEN|$CHILD_SEES|$FOO|$TERM\"; /usr/bin/env | /usr/bin/grep -c HPC_HOST_; true") ==
              "unset unset /home/test|0|bar|xterm\n0");
    }
}

TEST_CASE("action script: a host variable the scripts set keeps their value, one they set empty goes") {
    Image image("default");
    image.add_script("50-set.sh", "export SET_BY_IMAGE=image EMPTIED=\nNOT_EXPORTED=image\n");
    for (const Shell& shell : shells()) {
        INFO(shell.name);
        EnvironmentRequest request =
            request_for(image, {"SET_BY_IMAGE=host", "EMPTIED=host", "NOT_EXPORTED=host", "KEPT=host"});
        CHECK(echo_in(shell, image, request,
                      "echo \"$SET_BY_IMAGE ${EMPTIED-unset} $KEPT\"; /usr/bin/env | /usr/bin/grep -c NOT_EXPORTED; true") ==
              "image unset host\n0");
    }
}

TEST_CASE("action script: a large host environment comes back whole, in the compact form too") {
    Image image("default");
    image.add_script("50-set.sh", "export HOSTVAR_7=image HOSTVAR_900=\n");
    for (size_t count : {100u, 2000u}) {
        std::vector<std::string> host;
        for (size_t i = 0; i < count; ++i) host.push_back("HOSTVAR_" + std::to_string(i) + "=value " + std::to_string(i));
        EnvironmentRequest request = request_for(image, host);
        std::string script = action_script(plan_environment(request), image.facts(), Action::exec, "");
        bool compact = script.find("\n_hpc_restore HOSTVAR_0 HOSTVAR_1 ") != std::string::npos;
        CHECK(compact == (count > 1000));
        CHECK(script.size() < 128 * 1024);
        for (const Shell& shell : shells()) {
            INFO(shell.name << ", " << count << " host variables");
            CHECK(echo_in(shell, image, request,
                          "echo \"$HOSTVAR_0|$HOSTVAR_7|${HOSTVAR_900-unset}|$HOSTVAR_99\"; "
                          "/usr/bin/env | /usr/bin/grep -c '^HOSTVAR_'; /usr/bin/env | /usr/bin/grep -c HPC_HOST_; true") ==
                  // HOSTVAR_900 is the host's only in the larger set: set empty, it goes; else
                  // it is the image's own, empty.
                  "value 0|image|" + std::string(count > 900 ? "unset" : "") + "|value 99\n" +
                      std::to_string(count > 900 ? count - 1 : count + 1) + "\n0");
        }
    }
}

TEST_CASE("action script: PS1 is hpc's unless someone set one, and PROMPT_COMMAND forces it back") {
    Image none("none");
    Image image("default");
    for (const Shell& shell : shells()) {
        INFO(shell.name);
        CHECK(value_in(shell, none, request_for(none), "PS1") == "hpc> ");
        CHECK(value_in(shell, none, request_for(none), "PROMPT_COMMAND") == "PS1=\"hpc> \"; unset PROMPT_COMMAND");
        CHECK(value_in(shell, none, request_for(none, {"PS1=host$ "}), "PS1") == "host$ ");
        CHECK(value_in(shell, image, request_for(image, {"PS1=host$ "}), "PS1") == "Apptainer> ");
        CHECK(value_in(shell, image, request_for(image, {"PROMPT_COMMAND=history -a"}), "PROMPT_COMMAND") ==
              "history -a; PROMPT_COMMAND=\"${PROMPT_COMMAND%%; PROMPT_COMMAND=*}\"; PS1=\"Apptainer> \"");
    }
}

TEST_CASE("action script: PREPEND_ and APPEND_LD_LIBRARY_PATH, with the system's directories first") {
    Image image("default");
    bool have_ldconfig = access("/sbin/ldconfig", X_OK) == 0;
    for (const Shell& shell : shells()) {
        INFO(shell.name);
        EnvironmentRequest request = request_for(image);
        request.env_options = {"PREPEND_LD_LIBRARY_PATH=/foo"};
        std::string prepended = value_in(shell, image, request, "LD_LIBRARY_PATH");
        CHECK(prepended.starts_with("/foo:"));
        CHECK(prepended.ends_with(":/.singularity.d/libs"));
        if (have_ldconfig) CHECK(prepended.size() > std::string("/foo::/.singularity.d/libs").size());

        request.env_options = {"APPEND_LD_LIBRARY_PATH=/bar"};
        std::string appended = value_in(shell, image, request, "LD_LIBRARY_PATH");
        CHECK(appended.ends_with(":/.singularity.d/libs:/bar"));

        request.env_options = {"LD_LIBRARY_PATH=/mine", "PREPEND_LD_LIBRARY_PATH=/p", "APPEND_LD_LIBRARY_PATH=/a"};
        CHECK(value_in(shell, image, request, "LD_LIBRARY_PATH") == "/p:/mine:/.singularity.d/libs:/a");
    }
}

TEST_CASE("action script: a command that is not there: one line and 127, not executable: 126") {
    Image image("default");
    std::string plain_file = image.dir().write("data.txt", "not a program\n");
    for (const Shell& shell : shells()) {
        INFO(shell.name);
        Outcome missing = run_action(shell, image, request_for(image), Action::exec, {"no-such-command", "arg"});
        CHECK(missing.status == 127);
        CHECK(missing.err == "hpc: no-such-command: command not found in the container\n");
        CHECK(missing.out.empty());

        Outcome missing_path = run_action(shell, image, request_for(image), Action::exec, {"/no/such/program"});
        CHECK(missing_path.status == 127);
        CHECK(missing_path.err == "hpc: /no/such/program: command not found in the container\n");

        Outcome not_executable = run_action(shell, image, request_for(image), Action::exec, {plain_file});
        CHECK(not_executable.status == 126);
        CHECK(not_executable.err == "hpc: " + plain_file + ": not executable in the container\n");

        Outcome directory = run_action(shell, image, request_for(image), Action::exec, {"/tmp"});
        CHECK(directory.status == 126);
        CHECK(directory.err == "hpc: /tmp: not executable in the container\n");

        EnvironmentRequest relative = request_for(image);
        relative.env_options = {"PATH=" + image.dir().path()};
        Outcome on_path = run_action(shell, image, relative, Action::exec, {"data.txt"});
        CHECK(on_path.status == 126);
        CHECK(on_path.err == "hpc: data.txt: not executable in the container\n");
    }
}

TEST_CASE("action script: commands are found on the container's PATH and get their arguments as given") {
    Image image("custom");
    for (const Shell& shell : shells()) {
        INFO(shell.name);
        Outcome outcome =
            run_action(shell, image, request_for(image), Action::exec, {"printf", "[%s]", "a b", "*", "$HOME", ""});
        CHECK(outcome.status == 0);
        CHECK(outcome.err.empty());
        CHECK(outcome.out == "[a b][*][$HOME][]");
        Outcome status = run_action(shell, image, request_for(image), Action::exec, {"sh", "-c", "exit 42"});
        CHECK(status.status == 42);
    }
}

TEST_CASE("action script: run without a runscript runs /bin/sh with the arguments") {
    Image image("default");
    for (const Shell& shell : shells()) {
        INFO(shell.name);
        PayloadCommand command =
            payload_command(plan_environment(request_for(image)), image.facts(), Action::run, {"-c", "echo ran $0"}, "");
        CHECK(command.notice == "no runscript in the image, running /bin/sh");
        Outcome outcome = run_in(shell, command, image.dir().path());
        CHECK(outcome.out == "ran /bin/sh\n");
    }
}

TEST_CASE("action script: shell runs --shell, else bash --norc, else sh, and says which in SHELL") {
    Image image("default");
    for (const Shell& shell : shells()) {
        INFO(shell.name);
        Outcome bash = run_action(shell, image, request_for(image), Action::shell, {"-c", "echo $SHELL"});
        CHECK(bash.out == "/bin/bash\n");
        image.facts().has_bin_bash = false;
        Outcome sh = run_action(shell, image, request_for(image), Action::shell, {"-c", "echo $SHELL"});
        CHECK(sh.out == "/bin/sh\n");
        image.facts().has_bin_bash = true;
        Outcome chosen =
            run_action(shell, image, request_for(image, {"SHELL=/bin/zsh"}), Action::shell, {"-c", "echo $0 $SHELL"},
                       "/usr/bin/dash");
        CHECK(chosen.out == "/usr/bin/dash /bin/zsh\n");
        Outcome missing = run_action(shell, image, request_for(image), Action::shell, {}, "/no/zsh");
        CHECK(missing.status == 127);
        CHECK(missing.err == "hpc: /no/zsh: command not found in the container\n");
    }
}

TEST_CASE("action script: $UID and $GID are defined for values and scripts, and not left behind") {
    Image image("default");
    image.add_script("50-ids.sh", "export SCRIPT_UID=\"$UID\"\n");
    for (const Shell& shell : shells()) {
        INFO(shell.name);
        EnvironmentRequest request = request_for(image, {"APPTAINERENV_IDS=$UID:$GID"});
        std::string ids = uid_text() + ":" + std::to_string(getgid());
        CHECK(echo_in(shell, image, request,
                      "echo \"$IDS $SCRIPT_UID\"; /usr/bin/env | /usr/bin/grep -c '^GID='; true") ==
              ids + " " + uid_text() + "\n0");
    }
}

TEST_CASE("action script: a value the container's shell rejects stops the launch with its name") {
    Image image("default");
    for (const Shell& shell : shells()) {
        INFO(shell.name);
        Outcome outcome = run_action(shell, image, request_for(image, {"APPTAINERENV_BAD=${!NOPE}"}), Action::exec,
                                     {"/bin/echo", "ran"});
        CHECK(outcome.status == exit_bad_value);
        CHECK(outcome.out.empty());
        CHECK(outcome.err.ends_with("hpc: the container's shell could not evaluate the value of BAD\n"));
    }
}

TEST_CASE("action script: values with quotes, newlines and backslashes arrive intact") {
    Image image("default");
    const std::vector<std::string> values = {"it's", "say \"hi\"", "two\nlines", "back\\slash", "trailing\\",
                                             "a\\\"b", "*", "  spaced  ", "$", "tab\there"};
    const std::vector<std::string> evaluated = {"it's", "say \"hi\"", "two\nlines", "back\\slash", "trailing\\",
                                                "a\"b", "*", "  spaced  ", "$", "tab\there"};
    for (const Shell& shell : shells()) {
        for (size_t i = 0; i < values.size(); ++i) {
            INFO(shell.name << ": " << values[i]);
            EnvironmentRequest request = request_for(image, {"APPTAINERENV_V=" + values[i], "HOSTV=" + values[i]});
            CHECK(echo_in(shell, image, request, "printf '%s|%s' \"$V\" \"$HOSTV\"") == evaluated[i] + "|" + values[i]);
            request.no_eval = true;
            CHECK(echo_in(shell, image, request, "printf '%s' \"$V\"") == values[i]);
        }
    }
}

TEST_CASE("action script: without scripts, the direct exec and the shell give the same environment") {
    const std::vector<std::vector<std::string>> hosts = {
        {},
        {"FOO=bar", "TERM=xterm", "EMPTY=", "MULTI=a\nb", "PS1=host> ", "PROMPT_COMMAND=x", "SHELL=/bin/zsh"},
        {"APPTAINERENV_PATH=/usr/bin:/bin", "APPTAINERENV_APPEND_PATH=/a", "HPCENV_PREPEND_PATH=/p", "FOO=host"},
        {"APPTAINERENV_LD_LIBRARY_PATH=/l", "APPTAINERENV_PREPEND_LD_LIBRARY_PATH=/p",
         "SINGULARITYENV_APPEND_LD_LIBRARY_PATH=/a", "LD_LIBRARY_PATH=/host"},
        {"APPTAINERENV_FOO=", "FOO=host", "APPTAINERENV_PS1=mine> ", "http_proxy=http://p"},
    };
    for (const Action action : {Action::exec, Action::shell}) {
        for (size_t i = 0; i < hosts.size(); ++i) {
            for (bool clean : {false, true}) {
                Image direct("none");
                Image shelled("none");
                shelled.add_script("50-empty.sh", "");
                EnvironmentRequest request = request_for(direct, hosts[i]);
                request.clean_env = clean;
                request.runtime = {{"APPTAINER_NAME", "x.sif"}};
                request.env_options = {"OPT=value"};
                std::vector<std::string> args = {"/usr/bin/env", "-0"};
                if (action == Action::shell) args = {"-c", "/usr/bin/env -0"};

                PayloadCommand plain = payload_command(plan_environment(request), direct.facts(), action, args, "");
                REQUIRE_FALSE(plain.via_shell);
                Outcome expected = run_in(shells().front(), plain, direct.dir().path());
                REQUIRE(expected.status == 0);
                PayloadCommand scripted = payload_command(plan_environment(request), shelled.facts(), action, args, "");
                REQUIRE(scripted.via_shell);
                for (const Shell& shell : shells()) {
                    INFO(shell.name << ", host set " << i << (clean ? ", --cleanenv" : "")
                                    << (action == Action::shell ? ", shell" : ", exec"));
                    Outcome outcome = run_in(shell, scripted, direct.dir().path());
                    CHECK(outcome.err.empty());
                    CHECK(environment_differences(outcome.out, expected.out) == "");
                }
            }
        }
    }
}

TEST_CASE("action script: with hpc's own scripts, the environment computed without a shell is every shell's") {
    const std::vector<DockerEnvEntry> env = {{"PATH", "/opt/conda/bin:/usr/bin", false},
                                             {"LANG", "C.UTF-8", true},
                                             {"EMPTY", "", true},
                                             {"ODD", "it's \"x\"\n$HOME `id` \\", true}};
    const std::vector<std::pair<std::string, std::string>> scripts = {
        {"01-base.sh", std::string(hpc::sandbox::base_script)},
        {"10-docker2singularity.sh", docker_env_script(env)},
        {"90-environment.sh", std::string(environment_section_script)},
        {"99-base.sh", std::string(library_and_prompt_script)},
        {"99-runtimevars.sh", std::string(runtime_vars_script)}};
    struct Host {
        std::vector<std::string> environ;
        bool needs_ldconfig = false;  // LD_LIBRARY_PATH left at the bound libraries, and added to
    };
    const std::vector<Host> hosts = {
        {{}},
        {{"FOO=bar", "TERM=xterm", "EMPTY=host", "LANG=host", "PS1=host> ", "PROMPT_COMMAND=x", "SHELL=/bin/zsh"}},
        {{"APPTAINERENV_PATH=/usr/bin:/bin", "APPTAINERENV_APPEND_PATH=/a", "HPCENV_PREPEND_PATH=/p", "FOO=host"}},
        {{"APPTAINERENV_PREPEND_PATH=/p", "APPTAINERENV_PATH="}},
        {{"APPTAINERENV_LD_LIBRARY_PATH=/l", "APPTAINERENV_PREPEND_LD_LIBRARY_PATH=/p",
          "SINGULARITYENV_APPEND_LD_LIBRARY_PATH=/a", "LD_LIBRARY_PATH=/host"}},
        {{"APPTAINERENV_LANG=mine", "APPTAINERENV_EMPTY=", "APPTAINERENV_ODD=set", "APPTAINERENV_PS1=mine> "}},
        {{"APPTAINERENV_PREPEND_LD_LIBRARY_PATH=/p"}, true},
    };
    for (const Action action : {Action::exec, Action::shell}) {
        for (size_t i = 0; i < hosts.size(); ++i) {
            for (bool clean : {false, true}) {
                Image image("none");
                image.facts().known_scripts.emplace();
                for (const auto& [name, content] : scripts) {
                    image.add_script(name, content);
                    image.facts().known_scripts->push_back(*recognise_script(name, content));
                }
                EnvironmentRequest request = request_for(image, hosts[i].environ);
                request.clean_env = clean;
                request.runtime = {{"APPTAINER_NAME", "x.sif"}};
                std::vector<std::string> args = {"/usr/bin/env", "-0"};
                if (action == Action::shell) args = {"-c", "/usr/bin/env -0"};
                INFO("host set " << i << (clean ? ", --cleanenv" : "") << (action == Action::shell ? ", shell" : ", exec"));

                PayloadCommand direct = payload_command(plan_environment(request), image.facts(), action, args, "");
                CHECK(direct.via_shell == hosts[i].needs_ldconfig);
                if (direct.via_shell) continue;
                Outcome expected = run_in(shells().front(), direct, image.dir().path());
                REQUIRE(expected.status == 0);
                ImageFacts unknown = image.facts();
                unknown.known_scripts.reset();
                PayloadCommand scripted = payload_command(plan_environment(request), unknown, action, args, "");
                REQUIRE(scripted.via_shell);
                for (const Shell& shell : shells()) {
                    INFO(shell.name);
                    Outcome outcome = run_in(shell, scripted, image.dir().path());
                    CHECK(outcome.err.empty());
                    CHECK(environment_differences(outcome.out, expected.out) == "");
                }
            }
        }
    }
}

TEST_CASE("action script: hpc's own scripts still go to the shell for an app, a value to evaluate, image libraries") {
    Image image("none");
    image.facts().known_scripts.emplace();
    for (const auto& [name, content] : std::vector<std::pair<std::string, std::string_view>>{
             {"01-base.sh", hpc::sandbox::base_script}, {"99-base.sh", library_and_prompt_script}}) {
        image.add_script(name, std::string(content));
        image.facts().known_scripts->push_back(*recognise_script(name, content));
    }
    auto via_shell = [&](const ImageFacts& facts, const EnvironmentRequest& request) {
        return payload_command(plan_environment(request), facts, Action::exec, {"/bin/true"}, "").via_shell;
    };
    CHECK_FALSE(via_shell(image.facts(), request_for(image)));
    CHECK(via_shell(image.facts(), request_for(image, {"APPTAINERENV_X=$HOME"})));
    EnvironmentRequest no_eval = request_for(image, {"APPTAINERENV_X=$HOME"});
    no_eval.no_eval = true;
    CHECK_FALSE(via_shell(image.facts(), no_eval));
    ImageFacts with_libraries = image.facts();
    with_libraries.has_bound_libraries = true;
    CHECK(via_shell(with_libraries, request_for(image)));
    ImageFacts one_unknown = image.facts();
    one_unknown.known_scripts->pop_back();
    CHECK(via_shell(one_unknown, request_for(image)));
}
