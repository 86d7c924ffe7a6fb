// The documents hpc writes from its own command line: man pages (cmd/man_page.hpp) and the bash
// completion's table (cmd/bash_completion.hpp), on small Apps made as main.cpp makes hpc's.
#include "cmd/bash_completion.hpp"
#include "cmd/cache_command.hpp"
#include "cmd/help.hpp"
#include "cmd/man_page.hpp"
#include "common/text.hpp"

#include <catch2/catch.hpp>

#include <set>
#include <string>
#include <vector>

using hpc::cmd::roff_escape;

namespace {

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

// hpc with its real `cache` command (help texts included), a hidden command and a hidden option.
struct CacheApp {
    CLI::App app;
    hpc::cmd::CacheOptions options;
    bool hidden_flag = false;
    CacheApp() {
        app.formatter(hpc::cmd::help_formatter());
        hpc::cmd::add_cache_options(*app.add_subcommand("cache"), options);
        app.add_subcommand("secret")->group("");
        app.get_subcommand("cache")->get_subcommand("clean")->add_flag("--internal", hidden_flag)->group("");
        hpc::cmd::attach_help(app);
    }
    const CLI::App& clean() { return *app.get_subcommand("cache")->get_subcommand("clean"); }
};

}  // namespace

TEST_CASE("roff_escape: minus signs and backslashes escaped, plain text kept", "[man]") {
    CHECK(roff_escape("") == "");
    CHECK(roff_escape("plain words, it's 3.5") == "plain words, it's 3.5");
    CHECK(roff_escape("--bind=/a-b") == "\\-\\-bind=/a\\-b");
    CHECK(roff_escape("C:\\dir\\n") == "C:\\edir\\en");
    CHECK(roff_escape("\\fB") == "\\efB");  // a font change in the text is printed, not made
}

TEST_CASE("roff_escape: a dot or quote that starts a line is text, not a request", "[man]") {
    CHECK(roff_escape(".TH x") == "\\&.TH x");
    CHECK(roff_escape("'br") == "\\&'br");
    CHECK(roff_escape("one\n.two\n'three\nfour.") == "one\n\\&.two\n\\&'three\nfour.");
    CHECK(roff_escape("a\n\n.b") == "a\n\n\\&.b");
    CHECK(roff_escape("x .y 'z") == "x .y 'z");
}

TEST_CASE("man_page_name: hpc, then the command's words joined by hyphens", "[man]") {
    CHECK(hpc::cmd::man_page_name("") == "hpc");
    CHECK(hpc::cmd::man_page_name("exec") == "hpc-exec");
    CHECK(hpc::cmd::man_page_name("cache clean") == "hpc-cache-clean");
}

TEST_CASE("man_page: a command's page from its help text and its options", "[man]") {
    CacheApp hpc;
    std::string page = hpc::cmd::man_page(hpc.clean(), "9.9");
    CHECK(page.starts_with(".\\\" hpc-cache-clean(1), written by `hpc man-pages`"));
    CHECK(contains(page, "\n.TH HPC\\-CACHE\\-CLEAN 1 \"\" \"hpc 9.9\" \"hpc manual\"\n.nh\n"));
    CHECK(contains(page, "\n.SH NAME\nhpc\\-cache\\-clean \\- remove what the image cache holds\n"));
    CHECK(contains(page, "\n.SH SYNOPSIS\n\\fBhpc cache clean\\fR [\\-\\-days N] [\\-\\-force] [\\-\\-dry\\-run]\n"));
    CHECK(contains(page, "\n.SH DESCRIPTION\nRemoves every entry, or with \\-\\-days those last used at least N days "
                         "ago; asks first on a\nterminal,"));
    CHECK(contains(page, "\n.SH OPTIONS\n.TP\n\\fB\\-h\\fR, \\fB\\-\\-help\\fR\nPrint this help message and exit\n"));
    CHECK(contains(page, "\n.TP\n\\fB\\-D\\fR, \\fB\\-\\-days\\fR \\fIN\\fR\nremove only entries last used at least N "
                         "days ago\n"));
    CHECK(contains(page, "\n.TP\n\\fB\\-f\\fR, \\fB\\-\\-force\\fR\nremove without asking\n"));
    CHECK(contains(page, "\n.SH EXAMPLES\n.TP\n\\fBhpc cache clean \\-\\-dry\\-run\\fR\nwhat would go\n"
                         ".TP\n\\fBhpc cache clean \\-\\-days 30 \\-\\-force\\fR\n.SH SEE ALSO\n.BR hpc\\-cache (1)\n"));
    CHECK(!contains(page, "internal"));  // a hidden option
    CHECK(!contains(page, ".SH COMMANDS"));
}

TEST_CASE("man_page: a command with subcommands lists their pages", "[man]") {
    CacheApp hpc;
    std::string page = hpc::cmd::man_page(*hpc.app.get_subcommand("cache"), "9.9");
    CHECK(contains(page, "\n.SH COMMANDS\n.TP\n.BR hpc\\-cache\\-list (1)\nshow what the image cache holds\n"
                         ".TP\n.BR hpc\\-cache\\-clean (1)\nremove what the image cache holds\n"));
    std::string top = hpc::cmd::man_page(hpc.app, "9.9");
    CHECK(contains(top, "\n.SH SEE ALSO\n.BR hpc\\-cache (1)\n"));  // not the hidden command's
}

TEST_CASE("man_pages: one per shown command, and every line a request roff knows or text", "[man]") {
    CacheApp hpc;
    std::vector<std::string> names;
    for (const hpc::cmd::ManPage& page : hpc::cmd::man_pages(hpc.app, "9.9")) {
        names.push_back(page.file_name);
        for (std::string_view line : hpc::split_lines(page.text)) {
            if (!line.starts_with('.') && !line.starts_with('\'')) continue;
            std::string_view request = line.substr(0, line.find(' '));
            CHECK(std::set<std::string_view>{".\\\"", ".TH", ".nh", ".SH", ".TP", ".PP", ".BR"}.count(request) == 1);
        }
    }
    CHECK(names == std::vector<std::string>{"hpc.1", "hpc-cache.1", "hpc-cache-list.1", "hpc-cache-clean.1"});
}

TEST_CASE("shell_quoted: single quotes, a quote inside closed and escaped", "[completion]") {
    CHECK(hpc::cmd::shell_quoted("") == "''");
    CHECK(hpc::cmd::shell_quoted("cache clean") == "'cache clean'");
    CHECK(hpc::cmd::shell_quoted("it's $x") == "'it'\\''s $x'");
}

TEST_CASE("bash_command_table: each shown command's subcommands, options and first argument", "[completion]") {
    CLI::App app;
    std::vector<std::string> binds;
    bool contain = false, hidden = false;
    std::string name;
    CLI::App* exec = app.add_subcommand("exec");
    exec->prefix_command();
    exec->add_option("-B,--bind", binds, "bind");
    exec->add_flag("-c,--contain", contain, "contain");
    exec->add_flag("--hidden", hidden, "hidden")->group("");
    CLI::App* instance = app.add_subcommand("instance");
    instance->add_subcommand("stop")->add_option("name", name, "the instance");
    app.add_subcommand("secret")->group("");
    std::string table = hpc::cmd::bash_command_table(app);
    CHECK(table == "_hpc_describe() {\n"
                   "    case $1 in\n"
                   "    '')\n"
                   "        subcommands='exec instance'\n"
                   "        options='-h --help'\n"
                   "        value_options=''\n"
                   "        argument=''\n"
                   "        options_end='' ;;\n"
                   "    'exec')\n"
                   "        subcommands=''\n"
                   "        options='-h --help -B --bind -c --contain'\n"
                   "        value_options='-B --bind'\n"
                   "        argument='image'\n"
                   "        options_end=1 ;;\n"
                   "    'instance')\n"
                   "        subcommands='stop'\n"
                   "        options='-h --help'\n"
                   "        value_options=''\n"
                   "        argument=''\n"
                   "        options_end='' ;;\n"
                   "    'instance stop')\n"
                   "        subcommands=''\n"
                   "        options='-h --help'\n"
                   "        value_options=''\n"
                   "        argument='instance'\n"
                   "        options_end='' ;;\n"
                   "    *) return 1 ;;\n"
                   "    esac\n"
                   "}\n");
}

TEST_CASE("bash_completion_script: the table, the functions, and complete -F _hpc hpc", "[completion]") {
    CLI::App app;
    app.add_subcommand("version");
    std::string script = hpc::cmd::bash_completion_script(app, "9.9");
    CHECK(script.starts_with("# bash completion for hpc 9.9, printed by `hpc completion bash`"));
    CHECK(contains(script, hpc::cmd::bash_command_table(app)));
    CHECK(contains(script, "\n_hpc() {\n"));
    CHECK(script.ends_with("\ncomplete -F _hpc hpc\n"));
}
