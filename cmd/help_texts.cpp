#include "cmd/help_texts.hpp"

namespace hpc::cmd {
namespace {

constexpr CommandHelp texts[] = {
    {"",
     "run container images (SIF, squashfs, directories) as yourself",
     "hpc [global options] COMMAND [options] [ARGS...]",
     "IMAGE is a SIF file (Apptainer's or hpc's), a squashfs file, a directory, docker://REF or\n"
     "oras://REF, or instance://NAME for a running instance. Not in hpc yet: library://, signing\n"
     "and plugins; asked for, each says so.",
     "  hpc exec app.sif python3 train.py       # a command in an image\n"
     "  hpc run app.sif --input data.h5         # the image's runscript\n"
     "  hpc shell -B /scratch app.sif           # a shell, /scratch bound in\n"
     "  hpc build app.sif app.def               # a SIF from a definition file\n"
     "  hpc run-help app.sif                    # the image's help\n"
     "  hpc instance start app.sif db           # a service left running: instance://db\n"
     "  hpc -q run app.sif                      # no notices, warnings and errors only\n"
     "  hpc help exec                           # a command's usage, options and examples"},
    {"exec",
     "run a command in an image",
     "hpc exec [options] IMAGE COMMAND [ARGS...]",
     "Runs COMMAND with ARGS in IMAGE (a SIF file, a squashfs file or a directory), as yourself.\n"
     "Options come before IMAGE; everything after it is COMMAND's. Your home, the working\n"
     "directory and /tmp are there, and the host's environment, as in Apptainer.",
     "  hpc exec app.sif python3 train.py --epochs 10\n"
     "  hpc exec -B /scratch/$USER:/data app.sif ls /data\n"
     "  hpc exec --cleanenv --env OMP_NUM_THREADS=4 app.sif ./solver\n"
     "  hpc exec --containall --writable-tmpfs app.sif make install   # nothing of the host's, a throwaway layer\n"
     "  hpc exec --fakeroot app.sif id -u                             # root inside\n"
     "  hpc exec --dry-run app.sif true                               # print the launch plan, run nothing"},
    {"run",
     "run an image's runscript",
     "hpc run [options] IMAGE [ARGS...]",
     "Runs IMAGE's runscript (its definition's %runscript) with ARGS, as yourself; an image\n"
     "without one runs /bin/sh with ARGS, saying so. Options come before IMAGE; everything after\n"
     "it is the runscript's.",
     "  hpc run app.sif\n"
     "  hpc run app.sif --input data.h5\n"
     "  hpc run -B /scratch --pwd /scratch app.sif"},
    {"shell",
     "start a shell in an image",
     "hpc shell [options] IMAGE [ARGS...]",
     "Starts a shell in IMAGE: --shell's, else /bin/bash --norc, else /bin/sh, with ARGS.\n"
     "Options come before IMAGE.",
     "  hpc shell app.sif\n"
     "  hpc shell --shell /bin/sh -B /scratch app.sif\n"
     "  hpc shell --writable-tmpfs app.sif          # changes last until the shell exits\n"
     "  hpc shell --fakeroot --writable sandbox/    # root inside, writing a directory image"},
    {"test",
     "run an image's test script",
     "hpc test [options] IMAGE [ARGS...]",
     "Runs IMAGE's test script (its definition's %test) with ARGS; an image without one has\n"
     "nothing to run, says so and exits 0. Options come before IMAGE.",
     "  hpc test app.sif\n"
     "  hpc test --containall app.sif"},
    {"build",
     "build a SIF image (or a directory) from a definition file, an image, a directory or an OCI image",
     "hpc build [options] DEST SOURCE",
     "Builds DEST, a SIF file (with --sandbox, a directory), from SOURCE: a definition file\n"
     "(Bootstrap: localimage, scratch, debootstrap, oci, oci-archive or docker-archive), a SIF or\n"
     "squashfs image, a directory, or an OCI image: oci:DIR[:TAG|@DIGEST] (an OCI layout),\n"
     "oci-archive:FILE[:TAG], docker-archive:FILE[:REF] (docker save), its layers streamed into\n"
     "the SIF. Registries (docker://, library://, oras://) are not in hpc yet.",
     "  hpc build app.sif app.def\n"
     "  hpc build py.sif oci-archive:python.tar          # an image skopeo or podman saved\n"
     "  hpc build --fakeroot deb.sif deb.def              # apt-get in %post; Bootstrap: debootstrap\n"
     "  hpc build --sandbox sbox/ app.def                 # a directory, to change with shell --writable\n"
     "  hpc build app.sif sbox/                           # then a SIF from it\n"
     "  hpc build --build-arg VERSION=1.2 app.sif app.def # {{ VERSION }} in the definition\n"
     "  hpc build --force --compression zstd app.sif app.def"},
    {"inspect",
     "show an image's labels, scripts, environment, definition",
     "hpc inspect [options] IMAGE",
     "Shows what IMAGE says about itself, as Apptainer's inspect does: its labels when nothing\n"
     "else is asked for, the parts the options name, or everything.",
     "  hpc inspect app.sif                 # the labels\n"
     "  hpc inspect -H app.sif              # the runscript's help (as hpc run-help shows it)\n"
     "  hpc inspect -d app.sif              # the definition file it was built from\n"
     "  hpc inspect --oci app.sif           # the OCI manifest and config it was built from\n"
     "  hpc inspect --all app.sif           # everything, as JSON"},
    {"run-help",
     "show an image's help (its definition's %help)",
     "hpc run-help IMAGE",
     "Prints the help IMAGE's definition gave in its %help section (what hpc inspect -H shows), as\n"
     "Apptainer's run-help does; for an image without one, \"No help sections were defined for this\n"
     "image\".",
     "  hpc run-help app.sif"},
    {"config",
     "the site configuration",
     "hpc config check [FILE]",
     "",
     "  hpc config check               # the installed file, or the built-in defaults\n"
     "  hpc config check draft.toml    # a draft, before root installs it"},
    {"config check",
     "validate a site configuration and show the policy it sets",
     "hpc config check [FILE]",
     "Checks FILE (default: the installed one) as every launch would, and prints every key with\n"
     "the value in force, as TOML.",
     "  hpc config check\n"
     "  hpc config check draft.toml"},
    {"pull",
     "fetch an image from a registry as a SIF: docker:// built into one, oras:// a SIF already",
     "hpc pull [options] [DEST] SOURCE",
     "SOURCE is docker://[REGISTRY/]NAME[:TAG][@DIGEST] (alpine is docker.io/library/alpine:latest)\n"
     "or oras://REGISTRY/NAME[:TAG]. The image goes through the cache (hpc cache), so that a\n"
     "second pull, or a run of the same reference, fetches nothing; DEST defaults to NAME_TAG.sif.\n"
     "Credentials: --docker-login, $HPC_DOCKER_USERNAME and $HPC_DOCKER_PASSWORD, --authfile, else\n"
     "~/.docker/config.json. TLS is checked against the system's CAs or $SSL_CERT_FILE's.",
     "  hpc pull docker://python:3.12                   # python_3.12.sif\n"
     "  hpc pull app.sif docker://ghcr.io/lab/app:v2\n"
     "  hpc pull --arch arm64 docker://alpine          # another platform of an index\n"
     "  hpc pull oras://ghcr.io/lab/app:v2             # a SIF pushed with hpc push or apptainer push"},
    {"push",
     "send a SIF to a registry as an oras:// artifact",
     "hpc push [options] IMAGE.sif oras://REGISTRY/NAME[:TAG]",
     "The SIF is stored as Apptainer stores it (its media types, its file name as the title), so\n"
     "that apptainer pull and the ORAS tools fetch it too. Blobs the registry has are not sent again.",
     "  hpc push app.sif oras://ghcr.io/lab/app:v2\n"
     "  hpc push --docker-login app.sif oras://registry.site.org:5000/lab/app"},
    {"cache",
     "show or empty the image cache",
     "hpc cache list [-v] | clean [--days N] [--force] [--dry-run]",
     "The cache holds registry blobs, the SIFs built from registry images and the digests tags\n"
     "resolved to, shared by your jobs on every node that sees it. It is $HPC_CACHEDIR (or\n"
     "$APPTAINER_CACHEDIR, $SINGULARITY_CACHEDIR), else your folder in the site's, else\n"
     "$XDG_CACHE_HOME/hpc,\n"
     "else ~/.cache/hpc.",
     "  hpc cache list -v\n"
     "  hpc cache clean --days 30 --force     # what no job used for a month"},
    {"cache list",
     "show what the image cache holds",
     "hpc cache list [-v]",
     "Sums up the SIF files, blobs and tag records in the cache; with -v, lists each with its\n"
     "size and the days since it was last used.",
     "  hpc cache list\n"
     "  hpc cache list -v"},
    {"cache clean",
     "remove what the image cache holds",
     "hpc cache clean [--days N] [--force] [--dry-run]",
     "Removes every entry, or with --days those last used at least N days ago; asks first on a\n"
     "terminal, and elsewhere (a batch job) needs --force. An entry another process is fetching\n"
     "or building is left, and so is anything in the cache that hpc did not put there.",
     "  hpc cache clean --dry-run             # what would go\n"
     "  hpc cache clean --days 30 --force"},
    {"overlay",
     "make writable overlay images",
     "hpc overlay create [options] FILE|IMAGE.sif",
     "",
     "  hpc overlay create --size 1024 overlay.img\n"
     "  hpc overlay create --size 1024 app.sif       # an overlay partition in the SIF"},
    {"overlay create",
     "make a writable ext3 overlay image, or add one to a SIF",
     "hpc overlay create [--size MiB] [--sparse] [--create-dir DIR]... [--fakeroot] FILE|IMAGE.sif",
     "Makes FILE, an ext3 image of --size MiB (default 64) holding the overlay layout: upper/ and\n"
     "work/, and each --create-dir under upper/. An existing FILE must be a SIF that is not signed\n"
     "and has no overlay yet: the ext3 is added to it as its overlay partition, as Apptainer adds\n"
     "one. The directories are yours, or root's with --fakeroot (for runs with --fakeroot). Needs\n"
     "mke2fs (e2fsprogs).",
     "  hpc overlay create --size 1024 overlay.img\n"
     "  hpc overlay create --sparse --size 10240 big.img   # blocks taken as they are written\n"
     "  hpc overlay create --fakeroot --create-dir /opt/app overlay.img\n"
     "  hpc overlay create --size 512 app.sif             # an overlay partition in the SIF"},
    {"instance",
     "run images as services, in the background",
     "hpc instance start|run|list|stop|stats [options] ...",
     "An instance is a container left running: the image's startscript (instance start) or\n"
     "runscript (instance run), with its own PID namespace, its output in\n"
     "~/.hpc/instances/logs/HOST/USER/NAME.out and .err. exec, run, shell and test of\n"
     "instance://NAME run in it. Stop it with instance stop; the Slurm epilog ends a job's.",
     "  hpc instance start --net --network-args portmap=8888:8888/tcp jupyter.sif nb\n"
     "  hpc exec instance://nb jupyter server list\n"
     "  hpc instance list\n"
     "  hpc instance stop nb"},
    {"instance start",
     "start an instance: the image's startscript, left running",
     "hpc instance start [options] IMAGE NAME [ARGS...]",
     "Starts the image's startscript (its definition's %startscript) with ARGS in a container\n"
     "that stays, and returns once it runs (or with the error that kept it from starting). The\n"
     "options are exec's; the container always has a PID namespace and hpc as its init, which\n"
     "keeps it up after the startscript ends, until instance stop.",
     "  hpc instance start app.sif web\n"
     "  hpc instance start --fakeroot --writable-tmpfs db.sif db --port 5432\n"
     "  hpc instance start --pid-file web.pid app.sif web"},
    {"instance run",
     "start an instance: the image's runscript, left running",
     "hpc instance run [options] IMAGE NAME [ARGS...]",
     "As instance start, with the image's runscript in place of its startscript.",
     "  hpc instance run server.sif srv --threads 4"},
    {"instance list",
     "list your running instances",
     "hpc instance list [--json|--logs] [NAME|PATTERN]",
     "Lists the instances running on this host (a name or a shell pattern picks some). An\n"
     "instance whose processes have gone (killed, or the node rebooted) is noticed and\n"
     "forgotten, never listed.",
     "  hpc instance list\n"
     "  hpc instance list --json 'web*'\n"
     "  hpc instance list --logs"},
    {"instance stop",
     "stop running instances",
     "hpc instance stop [--all] [--force] [--signal SIG] [--timeout SECONDS] [NAME|PATTERN]",
     "Sends SIGTERM (or --signal's) to every process of the instance, and kills those still\n"
     "running after --timeout seconds (default 10). Nothing of it is left: no process, mount or\n"
     "record.",
     "  hpc instance stop web\n"
     "  hpc instance stop --signal INT --timeout 30 'db*'\n"
     "  hpc instance stop --all"},
    {"instance stats",
     "show what an instance uses",
     "hpc instance stats [--json] [--no-stream] NAME",
     "Shows the CPU, memory, block I/O and process count of the instance's processes, every\n"
     "second (--no-stream: once). Read from /proc: no cgroups needed.",
     "  hpc instance stats web\n"
     "  hpc instance stats --json web"},
    {"slurm",
     "for slurm.conf's Prolog and Epilog",
     "hpc slurm prolog | epilog",
     "Run by Slurm as root, through the links hpc-slurm-prolog and hpc-slurm-epilog (slurm.conf\n"
     "runs a path without arguments).",
     "  Prolog=/usr/local/bin/hpc-slurm-prolog    # in slurm.conf\n"
     "  Epilog=/usr/local/bin/hpc-slurm-epilog"},
    {"slurm prolog",
     "for slurm.conf's Prolog: check (and with --hpc-stage copy) the job's image",
     "hpc slurm prolog   (or the link hpc-slurm-prolog)",
     "Reads the job from Slurm's environment (SLURM_JOB_ID, SPANK_HPC_IMAGE).",
     "  Prolog=/usr/local/bin/hpc-slurm-prolog    # in slurm.conf"},
    {"slurm epilog",
     "for slurm.conf's Epilog: end and remove what hpc left for the job",
     "hpc slurm epilog   (or the link hpc-slurm-epilog)",
     "Reads the job from Slurm's environment (SLURM_JOB_ID).",
     "  Epilog=/usr/local/bin/hpc-slurm-epilog    # in slurm.conf"},
    {"completion",
     "print a shell's completion script for hpc",
     "hpc completion bash",
     "",
     "  source <(hpc completion bash)                 # in this shell\n"
     "  hpc completion bash > ~/.local/share/bash-completion/completions/hpc"},
    {"completion bash",
     "print hpc's bash completion script",
     "hpc completion bash",
     "Prints the script that completes hpc's commands, options, image files (*.sif, *.sqsh,\n"
     "*.squashfs, *.img and directories) and instance names in bash, as Apptainer's completion\n"
     "bash does. The packages install it for bash-completion to load (the bash-completion package\n"
     "loads it when hpc is first completed); elsewhere, source it from ~/.bashrc.",
     "  source <(hpc completion bash)                 # in this shell\n"
     "  hpc completion bash > ~/.local/share/bash-completion/completions/hpc"},
    {"version",
     "show hpc's version",
     "hpc version",
     "Prints the version alone, as Apptainer's version does (hpc --version prints \"hpc VERSION\").",
     "  hpc version"},
    {"help",
     "show a command's help: hpc help COMMAND",
     "hpc help [COMMAND [SUBCOMMAND]]",
     "The same as hpc COMMAND --help; alone, the same as hpc --help.",
     "  hpc help exec\n"
     "  hpc help config check"},
};

}  // namespace

const CommandHelp* find_command_help(std::string_view path) {
    for (const CommandHelp& text : texts)
        if (text.path == path) return &text;
    return nullptr;
}

}  // namespace hpc::cmd
