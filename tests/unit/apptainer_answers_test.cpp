// What hpc answers for Apptainer's options it has not got (cmd/apptainer_commands.hpp): the
// answer for each command, the same word answered differently where it means another thing, and
// through usage_errors' line as the user reads it.
#include "cmd/action_options.hpp"
#include "cmd/apptainer_commands.hpp"
#include "cmd/build_command.hpp"
#include "cmd/pull_command.hpp"
#include "cmd/usage_errors.hpp"

#include "thrown_error.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

using hpc::cmd::apptainer_option_answer;

namespace {

std::string answer(std::string_view command, std::string_view option) {
    return std::string(apptainer_option_answer(command, option).value_or("(none)"));
}

}  // namespace

TEST_CASE("Apptainer's options: each answer says what to use instead") {
    CHECK(answer("exec", "--memory") ==
          "resource limits are not hpc's: ask the batch system (Slurm's --mem, --cpus-per-task), or run hpc under "
          "systemd-run --user --scope -p MemoryMax=4G");
    CHECK(answer("run", "--pids-limit") == answer("exec", "--memory"));
    CHECK(answer("shell", "--fusemount") ==
          "FUSE mounts in the container are not in hpc yet: mount it on the host (sshfs...) and bind it with -B, or "
          "bind an image file's file system with -B FILE:DIR:image-src=/");
    CHECK(answer("exec", "--sharens") ==
          "hpc's launches of an image on a node share one mount of it by themselves (--no-share turns that off): "
          "leave --sharens out");
    CHECK(answer("exec", "--add-caps") ==
          "single capabilities are not in hpc yet: root in the container (--fakeroot) holds every capability of its "
          "user namespace and none on the host; --no-privs drops them all");
    CHECK(answer("test", "--uts") == "hpc makes a UTS namespace for --hostname NAME, which is what one is for");
    CHECK(answer("build", "--docker-host") ==
          "Docker daemons are not in hpc: docker save -o image.tar IMAGE, then hpc build image.sif "
          "docker-archive:image.tar");
    CHECK(answer("pull", "--docker-password") == answer("exec", "--docker-username"));
    CHECK(answer("build", "--reproducible") ==
          "SOURCE_DATE_EPOCH=SECONDS makes hpc build reproducible: the same tree gives the same bytes");
    CHECK(answer("pull", "--name") == "hpc pull takes the file's name as its first word: hpc pull NAME.sif docker://...");
    CHECK(answer("pull", "-U") == "hpc checks no signatures: leave it out");
    CHECK(answer("", "--config") ==
          "hpc reads only the site's configuration, fixed when hpc was built (hpc config check shows it)");
}

TEST_CASE("Apptainer's options: one word, the answer of the command it is given to") {
    CHECK(answer("exec", "-u") == "hpc always runs in a user namespace: leave -u out");
    CHECK(answer("build", "-u") == "--update is not in hpc: build a new image from the old one (Bootstrap: localimage)");
    CHECK(answer("build", "-e") == "encrypted images are not in hpc yet");
    CHECK(answer("exec", "-e") == "(none)");  // exec's -e is --cleanenv, an option hpc has
    CHECK(answer("", "-c") == answer("", "--config"));
    CHECK(answer("exec", "-c") == "(none)");  // --contain
    CHECK(answer("exec", "--tmpdir") == "hpc never unpacks an image to run it: leave --tmpdir out (build's and pull's have one)");
    CHECK(answer("build", "--tmpdir") == "(none)");
    CHECK(answer("pull", "--sandbox") == "hpc pull makes a SIF: hpc build --sandbox DIR NAME.sif then makes a directory of it");
    CHECK(answer("exec", "--sandbox") == "(none)");
    CHECK(answer("build", "--memory") == "(none)");  // not an option of Apptainer's build
    CHECK(answer("instance start", "--memory") == answer("exec", "--memory"));  // the actions' options there too
    CHECK(answer("instance start", "-u") == answer("exec", "-u"));
    // Some mean the same on any command, hpc's own and those without option variables too.
    CHECK(answer("build", "--userns") == "hpc always runs in a user namespace: leave --userns out");
    // Options hpc has are no longer answered.
    for (const char* option : {"--keep-privs", "--scratch", "-S", "--workdir", "-W", "--nvccli", "--app", "--bogus"}) {
        CAPTURE(option);
        CHECK(answer("exec", option) == "(none)");
    }
}

TEST_CASE("Apptainer's options: no answer stands for an option hpc's command has") {
    hpc::cmd::ActionOptions action;
    hpc::cmd::BuildOptions build;
    hpc::cmd::PullOptions pull;
    CLI::App app;
    hpc::cmd::add_action_options(*app.add_subcommand("exec"), action, false);
    hpc::cmd::add_action_options(*app.add_subcommand("shell"), action, true);
    hpc::cmd::add_build_options(*app.add_subcommand("build"), build);
    hpc::cmd::add_pull_options(*app.add_subcommand("pull"), pull);
    for (CLI::App* command : app.get_subcommands({})) {
        for (const CLI::Option* option : command->get_options()) {
            std::vector<std::string> names = option->get_lnames();
            for (std::string& name : names) name = "--" + name;
            for (const std::string& name : option->get_snames()) names.push_back("-" + name);
            for (const std::string& name : names) {
                CAPTURE(command->get_name(), name);
                CHECK_FALSE(apptainer_option_answer(command->get_name(), name));
            }
        }
    }
}

TEST_CASE("Apptainer's options: the line the user reads") {
    // An action's options end at the first word it does not know: an unknown one arrives as IMAGE.
    hpc::cmd::ActionOptions action;
    CLI::App hpc_app("hpc", "hpc");
    CLI::App& exec = *hpc_app.add_subcommand("exec");
    hpc::cmd::add_action_options(exec, action, false);
    CHECK(hpc::test::error_message([&] { hpc::cmd::check_image_word(hpc_app, exec, "--cpus=2", true); }) ==
          "exec: --cpus: " + answer("exec", "--memory") + " (see hpc exec --help)");
    CHECK(hpc::test::error_message([&] { hpc::cmd::check_image_word(hpc_app, exec, "--bogus", true); }) ==
          "exec: unknown option --bogus (see hpc exec --help)");
}

TEST_CASE("Apptainer's commands: those hpc has not got answered, those it has not") {
    using hpc::cmd::apptainer_command_answer;
    CHECK(apptainer_command_answer("tag") == apptainer_command_answer("search"));
    CHECK(apptainer_command_answer("tag")->starts_with("hpc reaches registries through docker:// and oras://"));
    CHECK(apptainer_command_answer("sif") == "not in hpc: siftool (Debian's package siftool) is the same tool");
    CHECK_FALSE(apptainer_command_answer("instance"));
    CHECK_FALSE(apptainer_command_answer("completion"));
    CHECK_FALSE(hpc::cmd::image_reference_answer("instance://web"));
}
