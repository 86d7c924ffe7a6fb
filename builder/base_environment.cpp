#include "builder/base_environment.hpp"

#include "builder/tree_files.hpp"
#include "sandbox/environment/known_scripts.hpp"

#include <array>

namespace hpc::builder {
namespace {

struct File {
    const char* path;
    std::string_view content;
};

// The scripts, in hpc's words (the environment's are known_scripts.hpp's). 99-base.sh gives
// LD_LIBRARY_PATH the directory where a runtime binds host libraries (GPU drivers) and a default
// prompt; 99-runtimevars.sh applies the PATH forms a user asked for (hpc applies them itself;
// older runtimes read the file).
constexpr std::array base_files = {
    File{".singularity.d/env/01-base.sh", sandbox::base_script},
    File{".singularity.d/env/90-environment.sh", sandbox::environment_section_script},
    File{".singularity.d/env/99-base.sh", sandbox::library_and_prompt_script},
    File{".singularity.d/env/99-runtimevars.sh", sandbox::runtime_vars_script},
    File{".singularity.d/actions/exec",
         "#!/bin/sh\n# Runs a command after the image's environment scripts.\n"
         "for script in /.singularity.d/env/*.sh; do [ -f \"$script\" ] && . \"$script\"; done\n"
         "exec \"$@\"\n"},
    File{".singularity.d/actions/run",
         "#!/bin/sh\n# Runs the image's runscript after its environment scripts.\n"
         "for script in /.singularity.d/env/*.sh; do [ -f \"$script\" ] && . \"$script\"; done\n"
         "if [ -x /.singularity.d/runscript ]; then exec /.singularity.d/runscript \"$@\"; fi\n"
         "echo \"No runscript in this image: running /bin/sh\"\n"
         "exec /bin/sh \"$@\"\n"},
    File{".singularity.d/actions/shell",
         "#!/bin/sh\n# Starts a shell after the image's environment scripts.\n"
         "for script in /.singularity.d/env/*.sh; do [ -f \"$script\" ] && . \"$script\"; done\n"
         "if [ -x /bin/bash ]; then exec /bin/bash --norc \"$@\"; fi\n"
         "exec /bin/sh \"$@\"\n"},
    File{".singularity.d/actions/start",
         "#!/bin/sh\n# Runs the image's startscript after its environment scripts.\n"
         "for script in /.singularity.d/env/*.sh; do [ -f \"$script\" ] && . \"$script\"; done\n"
         "if [ -x /.singularity.d/startscript ]; then exec /.singularity.d/startscript \"$@\"; fi\n"},
    File{".singularity.d/actions/test",
         "#!/bin/sh\n# Runs the image's test script after its environment scripts.\n"
         "for script in /.singularity.d/env/*.sh; do [ -f \"$script\" ] && . \"$script\"; done\n"
         "if [ -x /.singularity.d/test ]; then exec /.singularity.d/test \"$@\"; fi\n"
         "echo \"No test script in this image\"\n"},
    File{".singularity.d/runscript", "#!/bin/sh\n\necho \"There is no runscript defined for this container\"\n"},
    File{".singularity.d/startscript", "#!/bin/sh\n"},
};

constexpr std::array directories = {".singularity.d/libs", ".singularity.d/actions", ".singularity.d/env",
                                    "dev", "proc", "root", "var/tmp", "tmp", "etc", "sys", "home"};

struct Link {
    const char* path;
    const char* target;
};
constexpr std::array links = {
    Link{"singularity", ".singularity.d/runscript"},   Link{".run", ".singularity.d/actions/run"},
    Link{".exec", ".singularity.d/actions/exec"},      Link{".test", ".singularity.d/actions/test"},
    Link{".shell", ".singularity.d/actions/shell"},    Link{"environment", ".singularity.d/env/90-environment.sh"},
};

}  // namespace

void make_base_environment(const std::string& root) {
    for (const char* directory : directories) make_directories(root + "/" + directory);
    for (const Link& link : links) make_link_if_missing(root + "/" + link.path, link.target);
    for (const char* file : {"etc/hosts", "etc/resolv.conf"}) write_if_missing(root + "/" + file, "", 0644);
    for (const File& file : base_files) write_if_missing(root + "/" + file.path, std::string(file.content), 0755);
}

}  // namespace hpc::builder
