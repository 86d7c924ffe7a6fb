#include "cmd/bash_completion.hpp"

#include "cmd/command_tree.hpp"
#include "cmd/help.hpp"

#include <sstream>

namespace hpc::cmd {
namespace {

// hpc's commands nest two deep; a deeper walk is a mistake in main.cpp.
constexpr int max_command_depth = 4;

// What a command's first argument is, where completion can offer better than any file: an
// image (image files, directories, instance://NAME), an instance's name, or a command's name
// (help's). The instance commands may not be there: an entry for a command hpc lacks is unused.
struct FirstArgument {
    std::string_view path;
    std::string_view kind;
};

constexpr FirstArgument first_arguments[] = {
    {"exec", "image"},          {"run", "image"},          {"shell", "image"},
    {"test", "image"},          {"inspect", "image"},      {"run-help", "image"},
    {"push", "image"},          {"instance start", "image"}, {"instance stop", "instance"},
    {"instance stats", "instance"}, {"help", "command"},
};

std::string_view first_argument_kind(std::string_view path) {
    for (const FirstArgument& entry : first_arguments)
        if (entry.path == path) return entry.kind;
    return "";
}

std::string joined(const std::vector<std::string>& words) {
    std::string line;
    for (const std::string& word : words) line += (line.empty() ? "" : " ") + word;
    return line;
}

void write_command(std::ostream& out, const CLI::App& command, int depth) {
    if (depth > max_command_depth) return;
    std::string path = command_path(command);
    std::vector<std::string> subcommands, options, value_options;
    for (const CLI::App* sub : shown_subcommands(command)) subcommands.push_back(sub->get_name());
    for (const CLI::Option* option : shown_options(command))
        for (const std::string& name : option_names(*option)) {
            options.push_back(name);
            if (takes_value(*option)) value_options.push_back(name);
        }
    out << "    " << shell_quoted(path) << ")\n"
        << "        subcommands=" << shell_quoted(joined(subcommands)) << "\n"
        << "        options=" << shell_quoted(joined(options)) << "\n"
        << "        value_options=" << shell_quoted(joined(value_options)) << "\n"
        << "        argument=" << shell_quoted(first_argument_kind(path)) << "\n"
        << "        options_end=" << (command.get_prefix_command() ? "1" : "''") << " ;;\n";
    for (const CLI::App* sub : shown_subcommands(command)) write_command(out, *sub, depth + 1);
}

// What completes from the table: written once here, in bash, not generated.
constexpr std::string_view completion_functions = R"bash(
# _hpc_join_words: the words up to the cursor as the user typed them, into the caller's `words`.
# Bash splits COMP_WORDS at COMP_WORDBREAKS, ':' and '=' among them (instance://NAME becomes
# "instance" ":" "//NAME", --bind=PATH "--bind" "=" "PATH"): a word of those characters alone
# joins its neighbours again.
_hpc_join_words() {
    local i word glue=''
    words=()
    for ((i = 0; i <= COMP_CWORD && i < ${#COMP_WORDS[@]}; i++)); do
        word=${COMP_WORDS[i]}
        if ((${#words[@]} > 0)) && [[ $glue || ( -n $word && -z ${word//[:=]/} ) ]]; then
            words[${#words[@]} - 1]+=$word
        else
            words+=("$word")
        fi
        if [[ -n $word && -z ${word//[:=]/} ]]; then glue=1; else glue=; fi
    done
    ((COMP_CWORD < ${#COMP_WORDS[@]})) || words+=("")
}

# _hpc_reply WORD...: COMPREPLY, the words that start with the caller's `cur`, each less the
# `strip` characters of it that bash does not replace (those before its last word break).
_hpc_reply() {
    local candidate
    COMPREPLY=()
    for candidate; do
        [[ $candidate == "$cur"* ]] && COMPREPLY+=("${candidate:strip}")
    done
    return 0
}

# _hpc_files PREFIX PATH [image]: the files and directories PATH starts (with image, only
# directories and image files), each after PREFIX (--bind=).
_hpc_files() {
    local prefix=$1 typed=$2 only=${3:-} path
    local -a found candidates=()
    mapfile -t found < <(compgen -f -- "$typed")
    for path in "${found[@]}"; do
        if [[ $only == image && ! -d $path ]]; then
            case $path in
            *.sif | *.sqsh | *.squashfs | *.img) ;;
            *) continue ;;
            esac
        fi
        candidates+=("$prefix$path")
    done
    compopt -o filenames 2>/dev/null
    _hpc_reply "${candidates[@]}"
}

# _hpc_instances HPC: the names of the user's instances, the first column of `hpc instance
# list` after its header line.
_hpc_instances() {
    local name header=1
    while read -r name _; do
        if [[ $header ]]; then header=; continue; fi
        [[ $name ]] && printf '%s\n' "$name"
    done < <("$1" instance list 2>/dev/null)
}

# _hpc_subcommands_of PATH: the subcommands of the command at PATH.
_hpc_subcommands_of() {
    local subcommands options value_options argument options_end
    _hpc_describe "$1" && printf '%s' "$subcommands"
}

_hpc() {
    local -a words
    _hpc_join_words
    local cur=${words[${#words[@]} - 1]}
    local strip=$((${#cur} - ${#COMP_WORDS[COMP_CWORD]}))
    ((strip >= 0)) || strip=0
    local hpc=${words[0]}
    [[ $hpc == */* && -x $hpc ]] || hpc=hpc

    local path='' subcommands options value_options argument options_end
    _hpc_describe ''
    # Walk the words before the cursor: the command they name, how many arguments it has been
    # given, and whether the word before the cursor is an option that takes the next one.
    local i word wants_value='' arguments=0 named_path=''
    for ((i = 1; i < ${#words[@]} - 1; i++)); do
        word=${words[i]}
        if [[ $wants_value ]]; then
            wants_value=
            continue
        fi
        if [[ $word == -* ]] && ! ((options_end && arguments)); then
            [[ " $value_options " == *" $word "* ]] && wants_value=1
            continue
        fi
        if ((arguments == 0)) && [[ " $subcommands " == *" $word "* ]]; then
            path=${path:+$path }$word
            _hpc_describe "$path"
            continue
        fi
        if [[ $argument == command && " $(_hpc_subcommands_of "$named_path") " == *" $word "* ]]; then
            named_path=${named_path:+$named_path }$word
            continue
        fi
        arguments=$((arguments + 1))
    done

    if [[ $wants_value ]]; then
        _hpc_files '' "$cur"
    elif [[ $cur == -*=* ]] && ! ((options_end && arguments)); then
        _hpc_files "${cur%%=*}=" "${cur#*=}"
    elif [[ $cur == -* ]] && ! ((options_end && arguments)); then
        # shellcheck disable=SC2086 # the options are words
        _hpc_reply $options
    elif ((arguments == 0)) && [[ $subcommands ]]; then
        # shellcheck disable=SC2086
        _hpc_reply $subcommands
    elif [[ $argument == command ]]; then
        # shellcheck disable=SC2046
        _hpc_reply $(_hpc_subcommands_of "$named_path")
    elif ((arguments == 0)) && [[ $argument == instance ]]; then
        # shellcheck disable=SC2046
        _hpc_reply $(_hpc_instances "$hpc")
    elif ((arguments == 0)) && [[ $argument == image && $cur == i* && ( instance:// == "$cur"* || $cur == instance://* ) ]]; then
        local name
        local -a images=()
        while read -r name; do images+=("instance://$name"); done < <(_hpc_instances "$hpc")
        _hpc_files '' "$cur" image
        local -a files=("${COMPREPLY[@]}")
        _hpc_reply "${images[@]}"
        COMPREPLY+=("${files[@]}")
    elif ((arguments == 0)) && [[ $argument == image ]]; then
        _hpc_files '' "$cur" image
    else
        _hpc_files '' "$cur"
    fi
    return 0
}

complete -F _hpc hpc
)bash";

}  // namespace

std::string shell_quoted(std::string_view word) {
    std::string quoted = "'";
    for (char c : word) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return quoted + "'";
}

std::string bash_command_table(const CLI::App& hpc) {
    std::ostringstream out;
    out << "_hpc_describe() {\n"
        << "    case $1 in\n";
    write_command(out, hpc, 0);
    out << "    *) return 1 ;;\n"
        << "    esac\n"
        << "}\n";
    return out.str();
}

std::string bash_completion_script(const CLI::App& hpc, std::string_view version) {
    std::ostringstream out;
    out << "# bash completion for hpc " << version << ", printed by `hpc completion bash` from hpc's own command\n"
        << "# line. Load it with `source <(hpc completion bash)`, or let bash-completion find it as\n"
        << "# share/bash-completion/completions/hpc (where the packages install it).\n\n"
        << "# _hpc_describe PATH: the caller's subcommands, options, value_options (those that take the\n"
        << "# next word), argument (the first argument: image, instance, command, or empty for any file)\n"
        << "# and options_end (1 where options end at the first argument) for the command at PATH.\n"
        << bash_command_table(hpc) << completion_functions;
    return out.str();
}

}  // namespace hpc::cmd
