#include "cmd/man_page.hpp"

#include "cmd/command_tree.hpp"
#include "cmd/help.hpp"
#include "cmd/help_texts.hpp"
#include "common/text.hpp"

#include <sstream>

namespace hpc::cmd {
namespace {

// hpc's commands nest two deep ("cache clean"); a deeper walk is a mistake in main.cpp, not a
// reason to recurse without end.
constexpr int max_command_depth = 4;

std::string upper_case(std::string_view text) {
    std::string upper(text);
    for (char& c : upper)
        if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    return upper;
}

std::string bold(std::string_view text) { return "\\fB" + roff_escape(text) + "\\fR"; }
std::string italic(std::string_view text) { return "\\fI" + roff_escape(text) + "\\fR"; }

// Lines of prose, filled by roff: each line trimmed (a leading blank would break the line), an
// empty line a new paragraph.
void write_prose(std::ostream& out, std::string_view text) {
    for (std::string_view line : split_lines(text)) {
        line = trim(line);
        out << (line.empty() ? ".PP" : roff_escape(line)) << "\n";
    }
}

// "\fBhpc cache clean\fR [--days N] ...": the command's own words in bold, where the usage
// line starts with them.
std::string synopsis(std::string_view usage, const std::string& path) {
    std::string command = path.empty() ? "hpc" : "hpc " + path;
    if (usage.starts_with(command) && (usage.size() == command.size() || usage[command.size()] == ' '))
        return bold(command) + roff_escape(usage.substr(command.size()));
    return roff_escape(usage);
}

// "\fB\-B\fR, \fB\-\-bind\fR \fITEXT ...\fR", from the names and what --help shows after them.
std::string option_tag(const CLI::Option& option) {
    std::string tag;
    for (const std::string& name : option_names(option)) tag += (tag.empty() ? "" : ", ") + bold(name);
    std::string opts(trim(CLI::Formatter().make_option_opts(&option)));
    return opts.empty() ? tag : tag + " " + italic(opts);
}

void write_options(std::ostream& out, const CLI::App& command) {
    std::vector<const CLI::Option*> options = shown_options(command);
    if (options.empty()) return;
    out << ".SH OPTIONS\n";
    for (const CLI::Option* option : options)
        out << ".TP\n" << option_tag(*option) << "\n" << roff_escape(option->get_description()) << "\n";
}

void write_arguments(std::ostream& out, const CLI::App& command) {
    std::vector<const CLI::Option*> positionals = shown_positionals(command);
    if (positionals.empty()) return;
    out << ".SH ARGUMENTS\n";
    for (const CLI::Option* positional : positionals) {
        std::string opts(trim(CLI::Formatter().make_option_opts(positional)));
        out << ".TP\n" << bold(positional->get_name()) << (opts.empty() ? "" : " " + italic(opts)) << "\n"
            << roff_escape(positional->get_description()) << "\n";
    }
}

// ".BR hpc\-cache\-clean (1)": a reference to another page.
std::string page_reference(std::string_view path) { return ".BR " + roff_escape(man_page_name(path)) + " (1)"; }

void write_commands(std::ostream& out, const CLI::App& command) {
    std::vector<const CLI::App*> subcommands = shown_subcommands(command);
    if (subcommands.empty()) return;
    out << ".SH COMMANDS\n";
    for (const CLI::App* sub : subcommands)
        out << ".TP\n" << page_reference(command_path(*sub)) << "\n" << roff_escape(sub->get_description()) << "\n";
}

// Each example a tagged paragraph: the command in bold, its "# why" (when it has one) below it.
void write_examples(std::ostream& out, std::string_view examples) {
    if (trim(examples).empty()) return;
    out << ".SH EXAMPLES\n";
    for (std::string_view line : split_lines(examples)) {
        line = trim(line);
        if (line.empty()) continue;
        std::size_t comment = line.find(" # ");
        std::string_view example = trim(line.substr(0, comment));
        out << ".TP\n" << bold(example) << "\n";
        if (comment != std::string_view::npos) out << roff_escape(trim(line.substr(comment + 3))) << "\n";
    }
}

void write_see_also(std::ostream& out, const CLI::App& command) {
    std::vector<std::string> references;
    if (const CLI::App* parent = command.get_parent()) references.push_back(page_reference(command_path(*parent)));
    if (!command.get_parent())
        for (const CLI::App* sub : shown_subcommands(command)) references.push_back(page_reference(command_path(*sub)));
    if (references.empty()) return;
    out << ".SH SEE ALSO\n";
    for (std::size_t index = 0; index < references.size(); ++index)
        out << references[index] << (index + 1 < references.size() ? ",\n" : "\n");
}

void collect_pages(const CLI::App& command, std::string_view version, int depth, std::vector<ManPage>& pages) {
    if (depth > max_command_depth) return;
    pages.push_back({man_page_name(command_path(command)) + ".1", man_page(command, version)});
    for (const CLI::App* sub : shown_subcommands(command)) collect_pages(*sub, version, depth + 1, pages);
}

}  // namespace

std::string roff_escape(std::string_view text) {
    std::string escaped;
    escaped.reserve(text.size() + text.size() / 8);
    bool line_start = true;
    for (char c : text) {
        if (line_start && (c == '.' || c == '\'')) escaped += "\\&";
        if (c == '\\')
            escaped += "\\e";
        else if (c == '-')
            escaped += "\\-";
        else
            escaped += c;
        line_start = c == '\n';
    }
    return escaped;
}

std::string man_page_name(std::string_view path) {
    std::string name = path.empty() ? "hpc" : "hpc-";
    for (char c : path) name += c == ' ' ? '-' : c;
    return name;
}

std::string man_page(const CLI::App& command, std::string_view version) {
    std::string path = command_path(command);
    std::string name = man_page_name(path);
    const CommandHelp* text = find_command_help(path);
    std::string summary = text ? std::string(text->summary) : command.get_description();
    std::ostringstream out;
    out << ".\\\" " << name << "(1), written by `hpc man-pages` from hpc's --help (cmd/help_texts.cpp and the\n"
        << ".\\\" options' own descriptions): change those, not this page.\n";
    out << ".TH " << roff_escape(upper_case(name)) << " 1 \"\" \"" << roff_escape("hpc " + std::string(version))
        << "\" \"hpc manual\"\n.nh\n";  // no hyphens: $APPTAINER_BIND and --containall stay whole
    out << ".SH NAME\n" << roff_escape(name) << " \\- " << roff_escape(summary) << "\n";
    if (text) out << ".SH SYNOPSIS\n" << synopsis(text->usage, path) << "\n";
    if (text && !text->description.empty()) {
        out << ".SH DESCRIPTION\n";
        write_prose(out, text->description);
    }
    write_options(out, command);
    write_arguments(out, command);
    write_commands(out, command);
    if (text) write_examples(out, text->examples);
    write_see_also(out, command);
    return out.str();
}

std::vector<ManPage> man_pages(const CLI::App& hpc, std::string_view version) {
    std::vector<ManPage> pages;
    collect_pages(hpc, version, 0, pages);
    return pages;
}

}  // namespace hpc::cmd
