// The options' variables (cmd/option_environment.hpp) on hpc's real exec, shell and build
// commands, parsed by CLI11 as main.cpp parses them: precedence, Apptainer's boolean values,
// -B's appending, the variables of options hpc lacks, and the table itself against the options.
#include "cmd/action_options.hpp"
#include "cmd/build_command.hpp"
#include "cmd/pull_command.hpp"
#include "cmd/option_environment.hpp"
#include "cmd/option_variables.hpp"

#include "thrown_error.hpp"

#include <catch2/catch.hpp>

#include <map>
#include <set>

using hpc::cmd::apply_option_environment;
using Strings = std::vector<std::string>;

namespace {

// `hpc ARGS...` with exec, shell and build as main.cpp registers them, parsed, then given the
// variables of `environ`.
struct Parsed {
    hpc::cmd::ActionOptions action;
    hpc::cmd::BuildOptions build;
    hpc::cmd::PullOptions pull;
    Strings warnings;
};

CLI::App& make_app(CLI::App& app, Parsed& parsed) {
    hpc::cmd::add_action_options(*app.add_subcommand("exec"), parsed.action, false);
    hpc::cmd::add_action_options(*app.add_subcommand("shell"), parsed.action, true);
    hpc::cmd::add_build_options(*app.add_subcommand("build"), parsed.build);
    hpc::cmd::add_pull_options(*app.add_subcommand("pull"), parsed.pull);
    app.add_subcommand("inspect")->allow_extras();
    return app;
}

Parsed run(Strings args, const Strings& environ_entries) {
    Parsed parsed;
    CLI::App app;
    make_app(app, parsed);
    args.insert(args.begin(), "hpc");
    std::vector<char*> argv;
    for (std::string& arg : args) argv.push_back(arg.data());
    app.parse(static_cast<int>(argv.size()), argv.data());
    parsed.warnings = apply_option_environment(app, environ_entries);
    return parsed;
}

Parsed exec(const Strings& environ_entries, Strings options = {}) {
    options.insert(options.begin(), "exec");
    options.insert(options.end(), {"image.sif", "true"});
    return run(options, environ_entries);
}

std::string refused(const Strings& environ_entries) {
    return hpc::test::error_message([&] { exec(environ_entries); });
}

}  // namespace

TEST_CASE("option variables: the command line, then HPC_, then APPTAINER_, then SINGULARITY_") {
    CHECK(exec({"SINGULARITY_HOSTNAME=s"}).action.hostname == "s");
    CHECK(exec({"SINGULARITY_HOSTNAME=s", "APPTAINER_HOSTNAME=a"}).action.hostname == "a");
    CHECK(exec({"SINGULARITY_HOSTNAME=s", "APPTAINER_HOSTNAME=a", "HPC_HOSTNAME=h"}).action.hostname == "h");
    Parsed given = exec({"SINGULARITY_HOSTNAME=s", "APPTAINER_HOSTNAME=a", "HPC_HOSTNAME=h"}, {"--hostname", "c"});
    CHECK(given.action.hostname == "c");
    CHECK(given.warnings.empty());  // the command line overrides its variables without a word
    // A weaker name that says otherwise is said to be ignored; one that agrees is not.
    CHECK(exec({"APPTAINER_HOSTNAME=a", "SINGULARITY_HOSTNAME=s"}).warnings ==
          Strings{"SINGULARITY_HOSTNAME is ignored: APPTAINER_HOSTNAME, set too, takes precedence"});
    CHECK(exec({"APPTAINER_HOSTNAME=a", "SINGULARITY_HOSTNAME=a"}).warnings.empty());
}

TEST_CASE("option variables: a flag's variable sets it either way, with Go's boolean words") {
    for (const char* yes : {"1", "t", "T", "TRUE", "true", "True", " 1 "}) {
        CAPTURE(yes);
        CHECK(exec({std::string("APPTAINER_CLEANENV=") + yes}).action.clean_env);
    }
    for (const char* no : {"0", "f", "F", "FALSE", "false", "False"}) {
        CAPTURE(no);
        CHECK_FALSE(exec({std::string("APPTAINER_CLEANENV=") + no}).action.clean_env);
    }
    // HPC_CLEANENV=0 turns off what a site's APPTAINER_CLEANENV=1 turns on; the command line's
    // --cleanenv stands against either.
    CHECK_FALSE(exec({"APPTAINER_CLEANENV=1", "HPC_CLEANENV=0"}).action.clean_env);
    CHECK(exec({"HPC_CLEANENV=0"}, {"--cleanenv"}).action.clean_env);
    CHECK(exec({"APPTAINER_CLEANENV=1", "SINGULARITY_CLEANENV=true"}).warnings.empty());  // the same meaning
    CHECK(exec({"APPTAINER_CONTAINALL=1"}).action.containall);
    CHECK(exec({"SINGULARITY_UNSHARE_PID=1"}).action.pid);
}

TEST_CASE("option variables: a value Apptainer refuses is an error naming the variable") {
    CHECK(refused({"APPTAINER_CLEANENV=yes"}) == "APPTAINER_CLEANENV='yes': not a boolean (1, t, true, 0, f, false)");
    CHECK(refused({"HPC_NO_SHARE=on"}) == "HPC_NO_SHARE='on': not a boolean (1, t, true, 0, f, false)");
    std::string message = hpc::test::error_message(
        [] { run({"build", "out.sif", "in.def"}, {"HPC_COMPRESSION=bzip2"}); });
    CHECK(message.starts_with("HPC_COMPRESSION='bzip2': --compression: bzip2 not in"));
    // The command line's value is used, the variable never read: no error.
    CHECK(exec({"APPTAINER_CLEANENV=yes"}, {"-e"}).action.clean_env);
}

TEST_CASE("option variables: a blank one is unset, and the first of two entries of a name counts") {
    Parsed blank = exec({"APPTAINER_HOSTNAME= ", "SINGULARITY_HOSTNAME=s", "APPTAINER_NV="});
    CHECK(blank.action.hostname == "s");
    CHECK(blank.warnings.empty());
    CHECK(exec({"APPTAINER_HOSTNAME=first", "APPTAINER_HOSTNAME=second"}).action.hostname == "first");
}

TEST_CASE("option variables: BIND and BINDPATH add to -B after the command line, each from its strongest prefix") {
    CHECK(exec({"APPTAINER_BINDPATH=/b", "APPTAINER_BIND=/a"}, {"-B", "/cli"}).action.binds == Strings{"/cli", "/a", "/b"});
    CHECK(exec({"SINGULARITY_BINDPATH=/s"}).action.binds == Strings{"/s"});
    // HPC_BIND takes BIND's place, not BINDPATH's.
    Parsed both = exec({"APPTAINER_BIND=/a", "HPC_BIND=/h", "SINGULARITY_BINDPATH=/p"});
    CHECK(both.action.binds == Strings{"/h", "/p"});
    CHECK(both.warnings == Strings{"APPTAINER_BIND is ignored: HPC_BIND, set too, takes precedence"});
    CHECK(exec({"APPTAINER_BINDPATH=/d", "SINGULARITY_BINDPATH=/d"}).action.binds == Strings{"/d"});
    // A comma list stays one value, as from the command line: -B's parser splits it.
    CHECK(exec({"APPTAINER_BIND=/a:/x,/b"}).action.binds == Strings{"/a:/x,/b"});
    CHECK(exec({"APPTAINER_MOUNT=type=bind,src=/a,dst=/b"}).action.mounts == Strings{"type=bind,src=/a,dst=/b"});
}

TEST_CASE("option variables: a list's items are trimmed, and CWD comes before PWD") {
    CHECK(exec({"APPTAINER_NO_MOUNT=tmp, home"}).action.no_mount == Strings{"tmp", "home"});
    CHECK(exec({"APPTAINER_ENV_FILE=a.env, b.env"}).action.env_files == Strings{"a.env", "b.env"});
    CHECK(exec({"APPTAINER_PWD=/p"}).action.pwd == "/p");
    Parsed both = exec({"APPTAINER_PWD=/p", "APPTAINER_CWD=/c"});
    CHECK(both.action.pwd == "/c");
    CHECK(both.warnings == Strings{"APPTAINER_PWD is ignored: APPTAINER_CWD, set too, takes precedence"});
}

TEST_CASE("option variables: an Apptainer option hpc lacks is one warning, unless it asks for nothing") {
    CHECK(exec({"APPTAINER_UNDERLAY=1", "SINGULARITY_FUSESPEC=host:sshfs a: /s"}).warnings ==
          Strings{"SINGULARITY_FUSESPEC is ignored: hpc exec has no --fusemount",
                  "APPTAINER_UNDERLAY is ignored: hpc exec has no --underlay"});
    // --overlay's variable is a list, as Apptainer's string slice.
    CHECK(exec({"APPTAINER_OVERLAY=a, b:ro"}).action.overlays == Strings{"a", "b:ro"});
    CHECK(exec({"APPTAINER_UNDERLAY=0"}).warnings.empty());  // "no underlay" is what hpc does
    // What hpc always does: no cache to disable, always a user namespace.
    CHECK(exec({"APPTAINER_DISABLE_CACHE=1", "APPTAINER_USERNS=1"}).warnings.empty());
    // HPC_ names only hpc's options: a site's HPC_UNDERLAY is not a word to hpc.
    CHECK(exec({"HPC_UNDERLAY=1", "HPC_NV=1"}).warnings.empty());
    CHECK(exec({"APPTAINER_DEBUG=1"}).warnings == Strings{"APPTAINER_DEBUG is ignored: hpc has no --debug"});
    // The cache's root is read where the cache is opened (image/cache/cache_location.hpp): no word either.
    Parsed build = run({"build", "out.sif", "in.def"}, {"APPTAINER_CACHEDIR=/c", "APPTAINER_WRITABLE_TMPFS=1"});
    CHECK(build.warnings == Strings{"APPTAINER_WRITABLE_TMPFS is ignored: hpc build has no --writable-tmpfs"});
}

TEST_CASE("option variables: the container's own variables and other commands' are no options") {
    // What hpc and Apptainer set in a container (a nested hpc sees them), the container's
    // environment (APPTAINERENV_), and options of other commands than the one run.
    Parsed parsed = exec({"APPTAINER_CONTAINER=/a.sif", "APPTAINER_NAME=a.sif", "SINGULARITY_ENVIRONMENT=/e",
                          "APPTAINER_COMMAND=exec", "APPTAINERENV_NV=1", "HPCENV_CLEANENV=1", "APPTAINER_SHELL=/bin/zsh",
                          "APPTAINER_SANDBOX=1", "HPC_COMPRESSION=xz"});
    CHECK(parsed.warnings.empty());
    CHECK_FALSE(parsed.action.clean_env);
    CHECK(parsed.action.shell.empty());
    CHECK(run({"shell", "image.sif"}, {"APPTAINER_SHELL=/bin/zsh"}).action.shell == "/bin/zsh");
    // Apptainer's build has no variable for -B: APPTAINER_BIND is for running, as there.
    Parsed build = run({"build", "out.sif", "in.def"}, {"APPTAINER_BIND=/data", "APPTAINER_FAKEROOT=1", "HPC_COMPRESSION=xz"});
    CHECK(build.build.binds.empty());
    CHECK(build.build.fakeroot);
    CHECK(build.build.compression == "xz");
    CHECK(build.warnings.empty());
    CHECK(run({"inspect", "image.sif"}, {"APPTAINER_JSON=1"}).warnings.empty());
    // pull's, as Apptainer's pull reads them; build's FORCE is not pull's business the other way.
    Parsed pull = run({"pull", "docker://alpine"}, {"APPTAINER_DISABLE_CACHE=1", "APPTAINER_NOHTTPS=1", "APPTAINER_FORCE=1",
                                                    "APPTAINER_PULLDIR=/data/images", "APPTAINER_PULL_ARCH=arm64",
                                                    "APPTAINER_TMPDIR=/scratch/tmp"});
    CHECK(pull.warnings.empty());
    CHECK(pull.pull.registry.disable_cache);
    CHECK(pull.pull.registry.no_https);
    CHECK(pull.pull.force);
    CHECK(pull.pull.dir == "/data/images");
    CHECK(pull.pull.arch == "arm64");
    CHECK(pull.pull.tmpdir == "/scratch/tmp");
    CHECK(run({"pull", "docker://alpine"}, {"APPTAINER_LIBRARY=https://lib.example.org"}).warnings.size() == 1);
}

TEST_CASE("option variables: the table agrees with hpc's commands") {
    using hpc::cmd::OptionVariable;
    Parsed parsed;
    CLI::App app;
    make_app(app, parsed);
    std::map<unsigned, CLI::App*> commands = {{hpc::cmd::action_scope, app.get_subcommand("exec")},
                                              {hpc::cmd::shell_scope, app.get_subcommand("shell")},
                                              {hpc::cmd::build_scope, app.get_subcommand("build")},
                                              {hpc::cmd::pull_scope, app.get_subcommand("pull")}};
    // No key twice among the variables one command reads (the root's and its own).
    for (unsigned scope : {hpc::cmd::action_scope | hpc::cmd::shell_scope, unsigned(hpc::cmd::build_scope),
                           unsigned(hpc::cmd::pull_scope)}) {
        std::set<std::string> keys;
        for (const OptionVariable& row : hpc::cmd::option_variables()) {
            if ((row.scopes & (scope | hpc::cmd::global_scope)) == 0) continue;
            std::string_view rest = row.keys;
            while (!rest.empty()) {
                std::string key(rest.substr(0, rest.find(' ')));
                CAPTURE(key);
                CHECK(keys.insert(key).second);
                rest.remove_prefix(std::min(rest.size(), key.size() + 1));
            }
        }
    }
    // Each option hpc has is read as the kind it is: a flag's variable as a boolean, an
    // option's as its value; and hpc's own variables name options hpc has.
    for (const OptionVariable& row : hpc::cmd::option_variables()) {
        CAPTURE(row.option, row.keys);
        bool found = false;
        for (const auto& [scope, command] : commands) {
            if ((row.scopes & scope) == 0 || row.option.empty()) continue;
            CLI::Option* option = command->get_option_no_throw(std::string(row.option));
            if (!option) continue;
            found = true;
            bool flag = option->get_expected_max() == 0;
            CHECK(flag == (row.kind == hpc::cmd::ValueKind::boolean));
        }
        if (row.prefixes == hpc::cmd::Prefixes::hpc) CHECK(found);
    }
}

TEST_CASE("option variables: -S and -W read Apptainer's names alone, since sites set HPC_SCRATCH for their own ends") {
    // A site's HPC_SCRATCH and HPC_WORKDIR (its scratch file system) ask nothing of hpc, and say nothing.
    Parsed site = exec({"HPC_SCRATCH=/scratch/alice", "HPC_WORKDIR=/scratch/alice", "HPC_SCRATCHDIR=/s"});
    CHECK(site.action.scratch.empty());
    CHECK(site.action.workdir.empty());
    CHECK(site.warnings.empty());
    // Apptainer's are -S (a list, as its string slice) and -W, each key in Apptainer's order.
    Parsed apptainer = exec({"APPTAINER_SCRATCH=/a, /b", "APPTAINER_WORKDIR=/w", "HPC_SCRATCH=/site"});
    CHECK(apptainer.action.scratch == Strings{"/a", "/b"});
    CHECK(apptainer.action.workdir == "/w");
    CHECK(apptainer.warnings.empty());
    CHECK(exec({"SINGULARITY_SCRATCHDIR=/s", "SINGULARITY_WORKDIR=/w"}).action.scratch == Strings{"/s"});
    CHECK(exec({"SINGULARITY_WORKDIR=/w"}).action.workdir == "/w");
    Parsed both = exec({"APPTAINER_SCRATCH=/a", "SINGULARITY_SCRATCH=/s"});
    CHECK(both.action.scratch == Strings{"/a"});
    CHECK(both.warnings == Strings{"SINGULARITY_SCRATCH is ignored: APPTAINER_SCRATCH, set too, takes precedence"});
    // The command line's stands.
    CHECK(exec({"APPTAINER_SCRATCH=/a"}, {"-S", "/c"}).action.scratch == Strings{"/c"});
    // The rows say so.
    for (const hpc::cmd::OptionVariable& row : hpc::cmd::option_variables())
        if (row.option == "--scratch" || row.option == "--workdir") CHECK(row.prefixes == hpc::cmd::Prefixes::apptainer);
}
