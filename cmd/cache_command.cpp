#include "cmd/cache_command.hpp"

#include "cmd/cache_report.hpp"
#include "cmd/report.hpp"
#include "common/environ.hpp"
#include "common/error.hpp"
#include "common/home_directory.hpp"
#include "common/process_environment.hpp"
#include "image/cache/cache_location.hpp"
#include "image/cache/image_cache.hpp"
#include "site-config/site_config_file.hpp"

#include <unistd.h>

#include <algorithm>
#include <iostream>

namespace hpc::cmd {
namespace {

using image::cache::Entry;
using image::cache::ImageCache;

// Asks on the terminal; true for "y" or "yes".
bool confirmed(const std::string& question) {
    std::cerr << question << " [y/N] " << std::flush;
    std::string answer;
    if (!std::getline(std::cin, answer)) return false;
    std::transform(answer.begin(), answer.end(), answer.begin(), [](unsigned char c) { return std::tolower(c); });
    return answer == "y" || answer == "yes";
}

int list(ImageCache& cache, const CacheOptions& options) {
    std::vector<Entry> entries = cache.list();
    if (options.verbose && !entries.empty()) std::cout << cache_table(entries) << "\n";
    std::cout << cache_summary(entries) << "\n";
    return 0;
}

int clean(ImageCache& cache, const CacheOptions& options) {
    std::vector<Entry> due;
    for (Entry& entry : cache.list())
        if (image::cache::due_for_clean(entry, options.days)) due.push_back(std::move(entry));
    if (options.dry_run) {
        if (!due.empty()) std::cout << cache_table(due) << "\n";
        std::cout << "Would remove " << entries_in_words(due) << " from " << cache.root() << "\n";
        return 0;
    }
    // Refused without a terminal even when nothing is due, so that a script fails the first
    // time it runs, not the first time the cache holds something.
    if (!options.force && ::isatty(STDIN_FILENO) != 1)
        throw Error(ExitCode::usage, "cache clean: no terminal to ask on: add --force to remove without asking "
                                     "(--dry-run says what would go)");
    if (!options.force && !due.empty()) {
        if (!confirmed("Remove " + entries_in_words(due) + " from " + cache.root() + "?")) {
            std::cout << "Nothing removed\n";
            return 0;
        }
    }
    std::vector<Entry> removed = cache.clean(options.days);
    std::cout << "Removed " << entries_in_words(removed) << " from " << cache.root() << "\n";
    // Temporaries count among the removed, so compare what was due by name.
    std::size_t left = std::count_if(due.begin(), due.end(), [&](const Entry& entry) {
        return std::none_of(removed.begin(), removed.end(), [&](const Entry& gone) { return gone.path == entry.path; });
    });
    if (left > 0)
        report_notice("cache clean: " + std::to_string(left) + " entr" + (left == 1 ? "y" : "ies") +
                      " in use by another process (being fetched or built) left");
    return 0;
}

}  // namespace

std::string cache_root_for(const std::vector<std::string>& environ, const site::SiteConfig& site, uid_t uid) {
    // One folder per user in the site's: a cache is one user's (image/cache refuses any other's).
    std::string site_default = site.oci.cache_dir.empty() ? "" : site.oci.cache_dir + "/" + std::to_string(uid);
    return image::cache::cache_root(environ, site_default, home_directory(environ));
}

void add_cache_options(CLI::App& command, CacheOptions& options) {
    command.require_subcommand(1);
    CLI::App* list = command.add_subcommand("list", "show what the image cache holds");
    list->callback([&options] { options.list = true; });
    list->add_flag("-v,--verbose", options.verbose, "list every entry: kind, name, size, last use");
    CLI::App* clean = command.add_subcommand("clean", "remove what the image cache holds");
    clean->callback([&options] { options.clean = true; });
    clean->add_option_function<int>("-D,--days", [&options](const int& days) { options.days = days; },
                                    "remove only entries last used at least N days ago")
        ->type_name("N")
        ->check(CLI::Range(0, 100 * 366).description(""));
    clean->add_flag("-f,--force", options.force, "remove without asking");
    clean->add_flag("-n,--dry-run", options.dry_run, "say what would be removed, remove nothing");
}

int run_cache_command(const CacheOptions& options) {
    ImageCache cache = ImageCache::open(
        cache_root_for(process_environment(), site::load_site_config(site::site_config_path()), ::geteuid()));
    return options.list ? list(cache, options) : clean(cache, options);
}

}  // namespace hpc::cmd
