#include "cmd/registry_options.hpp"

#include "cmd/cache_command.hpp"
#include "cmd/report.hpp"
#include "common/environ.hpp"
#include "common/error.hpp"
#include "common/home_directory.hpp"
#include "common/process_environment.hpp"
#include "common/unique_fd.hpp"
#include "site-config/site_config_file.hpp"

#include <fcntl.h>
#include <termios.h>
#include <unistd.h>

#include <iostream>

namespace hpc::cmd {
namespace {

// One line from the terminal, echoed or not (a password), as Apptainer's --docker-login asks.
std::string ask(const std::string& prompt, bool echo) {
    UniqueFd tty(::open("/dev/tty", O_RDWR | O_CLOEXEC | O_NOCTTY));
    if (!tty) throw Error(ExitCode::usage, "--docker-login asks on a terminal, and there is none");
    if (::write(tty.get(), prompt.data(), prompt.size()) < 0) {}  // a prompt that cannot be shown still reads
    termios saved{};
    bool hidden = !echo && ::tcgetattr(tty.get(), &saved) == 0;
    if (hidden) {
        termios quiet = saved;
        quiet.c_lflag &= static_cast<tcflag_t>(~ECHO);
        ::tcsetattr(tty.get(), TCSAFLUSH, &quiet);
    }
    std::string line;
    char c = 0;
    while (line.size() < 4096 && ::read(tty.get(), &c, 1) == 1 && c != '\n') line += c;
    if (hidden) {
        ::tcsetattr(tty.get(), TCSAFLUSH, &saved);
        if (::write(tty.get(), "\n", 1) < 0) {}
    }
    return line;
}

std::string temporary_parent(const std::string& asked, const std::vector<std::string>& environ) {
    if (!asked.empty()) return asked;
    for (const char* name : {"HPC_TMPDIR", "APPTAINER_TMPDIR", "SINGULARITY_TMPDIR"})
        if (auto value = environ_value(environ, name); value && !value->empty()) return std::string(*value);
    return "";  // the work area's own default: $TMPDIR, else /tmp
}

}  // namespace

void add_registry_options(CLI::App& command, RegistryOptions& options) {
    command.add_flag("--docker-login", options.docker_login, "ask for the registry's username and password");
    command.add_option("--authfile", options.authfile, "credentials in a docker config.json-format file");
    command.add_flag("--no-https,--nohttps", options.no_https, "reach the registry by plain HTTP (one without TLS)");
    command.add_flag("--disable-cache", options.disable_cache,
                     "keep nothing in the cache: blobs go to a temporary directory removed afterwards");
}

builder::RegistrySettings registry_settings(const RegistryOptions& options, const site::SiteConfig& site,
                                            const std::string& temporary_directory) {
    builder::RegistrySettings settings;
    image::registry::RegistryAccess& access = settings.access;
    access.environ = process_environment();
    access.home = home_directory(access.environ);
    access.policy = site.oci;
    access.site_config_path = site::site_config_path();
    access.plain_http = options.no_https;
    if (auto ca = environ_value(access.environ, "SSL_CERT_FILE"); ca && !ca->empty()) access.ca_file = *ca;
    if (auto ca = environ_value(access.environ, "SSL_CERT_DIR"); ca && !ca->empty()) access.ca_directory = *ca;
    access.credentials.authfile = options.authfile;
    if (options.docker_login) {
        image::registry::Credentials given;
        given.username = ask("Enter Docker Username: ", true);
        given.password = ask("Enter Docker Password: ", false);
        access.credentials.given = given;
    }
    access.notice = [](const std::string& message) { report_notice(message); };
    settings.cache_root = cache_root_for(access.environ, site, ::geteuid());
    settings.disable_cache = options.disable_cache;
    settings.temporary_directory = temporary_parent(temporary_directory, access.environ);
    return settings;
}

RunnableImage::RunnableImage(const std::string& word, const RegistryOptions& options) : path_(word) {
    if (!image::registry::is_registry_source(word)) return;
    image::registry::RegistryReference reference = image::registry::parse_registry_source(word);
    builder::RegistrySettings settings =
        registry_settings(options, site::load_site_config(site::site_config_path()), "");
    if (settings.disable_cache) {
        area_.emplace(settings.temporary_directory);
        settings.cache_root = area_->directory("cache");
    }
    path_ = builder::cached_registry_sif(reference, settings, "", builder::TagCheck::recent,
                                         {[](const std::string& m) { report_notice(m); },
                                          [](const std::string& m) { report_warning(m); }});
}

}  // namespace hpc::cmd
