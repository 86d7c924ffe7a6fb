#include "builder/debootstrap.hpp"

#include "builder/host_command.hpp"
#include "common/error.hpp"
#include "common/write_file.hpp"
#include "sandbox/run/mount_ops.hpp"

#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sstream>

namespace hpc::builder {

std::string debootstrap_program() {
    for (const char* directory : {"/usr/sbin", "/usr/local/sbin", "/sbin", "/usr/bin"}) {
        std::string path = std::string(directory) + "/debootstrap";
        if (::access(path.c_str(), X_OK) == 0) return path;
    }
    throw Error(ExitCode::unavailable,
                "Bootstrap: debootstrap needs the host's debootstrap (Debian package debootstrap), which is not installed");
}

namespace {

// debootstrap and the tools it runs (chroot, mknod) live in sbin, which a user's PATH lacks.
const std::string system_path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

// The devices debootstrap would mknod, present beforehand so that it does not try: the
// host's harmless ones bound in, placeholders for the console and ptmx (nothing opens them
// during an install); and the host's /sys. Undone, whatever happens, when the object goes.
class InstallMounts {
public:
    explicit InstallMounts(const std::string& root) : root_(root) {
        for (const char* directory : {"/dev", "/proc", "/sys"}) ::mkdir((root + directory).c_str(), 0755);
        mount("/dev", [&] { sandbox::mount_tmpfs(root + "/dev", "mode=0755,size=1m"); });
        for (const char* device : {"null", "zero", "full", "random", "urandom", "tty"}) {
            std::string target = root + "/dev/" + device;
            hpc::write_file(target, "", 0644);
            sandbox::bind_mount(std::string("/dev/") + device, target, false);
        }
        for (const char* placeholder : {"console", "ptmx"}) hpc::write_file(root + "/dev/" + placeholder, "", 0600);
        for (const char* directory : {"pts", "shm"}) ::mkdir((root + "/dev/" + directory).c_str(), 0755);
        // debootstrap mounts a /proc itself; a /sys already there it takes as is (it cannot
        // mount one: sysfs needs a network namespace of its own).
        mount("/sys", [&] { sandbox::bind_mount("/sys", root + "/sys", true); });
    }
    InstallMounts(const InstallMounts&) = delete;
    InstallMounts& operator=(const InstallMounts&) = delete;
    ~InstallMounts() {
        for (auto target = mounted_.rbegin(); target != mounted_.rend(); ++target)
            ::umount2((root_ + *target).c_str(), MNT_DETACH);
    }

private:
    template <typename Mount>
    void mount(const std::string& target, Mount&& make) {
        make();
        mounted_.push_back(target);
    }

    std::string root_;
    std::vector<std::string> mounted_;
};

}  // namespace

std::vector<std::string> debootstrap_argv(const DebootstrapSource& source, const std::string& root) {
    std::vector<std::string> argv{"debootstrap", "--variant=minbase"};
    // Include: "a, b c": names separated by commas, blanks or both; debootstrap wants "a,b,c".
    std::string separated = source.include;
    for (char& c : separated)
        if (c == ',' || c == '\t') c = ' ';
    std::string packages;
    std::istringstream words(separated);
    for (std::string word; words >> word;) packages += (packages.empty() ? "" : ",") + word;
    if (!packages.empty()) argv.push_back("--include=" + packages);
    argv.insert(argv.end(), {source.os_version, root, source.mirror});
    return argv;
}

void run_debootstrap(const DebootstrapSource& source, const std::string& root, bool ownership_ignored) {
    std::vector<std::string> argv = debootstrap_argv(source, root);
    argv.front() = debootstrap_program();
    InstallMounts mounts(root);
    // container=lxc is how debootstrap learns that it may not mknod: it then skips its test
    // of the target (a mknod'ed /dev/null) and the device nodes it finds in place. It
    // replaces the /proc bound in with one of its own, which needs a PID namespace of its own.
    int status = run_host_command(
        argv, environment_with({"PATH=" + system_path, "DEBIAN_FRONTEND=noninteractive", "container=lxc"}),
        {ownership_ignored, true});
    if (status != 0)
        throw Error(ExitCode::data, "debootstrap of " + source.os_version + " from " + source.mirror +
                                        " failed (exit status " + std::to_string(status) + "; it said why above)");
}

}  // namespace hpc::builder
