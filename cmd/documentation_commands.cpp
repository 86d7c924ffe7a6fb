#include "cmd/documentation_commands.hpp"

#include "cmd/bash_completion.hpp"
#include "cmd/man_page.hpp"
#include "common/version.hpp"
#include "common/write_file.hpp"

#include <iostream>

namespace hpc::cmd {

bool describes_every_command(std::string_view command) { return command == "completion" || command == "man-pages"; }

void add_documentation_commands(CLI::App& hpc, DocumentationOptions& options) {
    CLI::App* completion = hpc.add_subcommand("completion");
    completion->require_subcommand(1);
    options.completion_bash = completion->add_subcommand("bash");
    // Hidden (the empty group): a step of the build, not a command for users.
    options.man_pages = hpc.add_subcommand("man-pages", "write a man page per command into DIR")->group("");
    options.man_pages->add_option("directory", options.man_directory, "an existing directory")->required();
}

std::optional<int> run_documentation_command(const CLI::App& hpc, const DocumentationOptions& options) {
    if (options.completion_bash->parsed()) {
        std::cout << bash_completion_script(hpc, hpc::version);
        return 0;
    }
    if (options.man_pages->parsed()) {
        for (const ManPage& page : man_pages(hpc, hpc::version))
            write_file(options.man_directory + "/" + page.file_name, page.text, 0644);
        return 0;
    }
    return std::nullopt;
}

}  // namespace hpc::cmd
