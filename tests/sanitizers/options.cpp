// The sanitized build's options (CMake's HPC_SANITIZE), compiled into hpc and its test programs
// instead of read from ASAN_OPTIONS and UBSAN_OPTIONS: the integration tests run hpc as another
// user with an emptied environment, and hpc gives the programs it starts an environment of its own.
//
// Reports go to files in the folder HPC_SANITIZER_REPORTS when it exists (tests/sanitizers/run
// makes it, and fails if anything is in it at the end), so that none is lost: a detached server
// writes to /dev/null, and many tests discard what a command says when it fails as they expect.
// Without the folder, as in a developer's own run, reports go to standard error.
#include <linux/nsfs.h>
#include <sanitizer/lsan_interface.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

// A quarantine of freed memory of 16 MiB, not 256: oci.bats holds a build of a 100,000-entry
// layer under 256 MiB of peak RSS, which ASan's default quarantine alone would take.
#define HPC_ASAN_OPTIONS "check_initialization_order=1:strict_init_order=1:detect_leaks=1:quarantine_size_mb=16"
#define HPC_UBSAN_OPTIONS "print_stacktrace=1:halt_on_error=1"
#define HPC_REPORT_FILES ":log_exe_name=1:log_path=" HPC_SANITIZER_REPORTS "/report"

namespace {

// Called while the sanitizers start, before anything else runs: access(2) is a plain system call.
bool reports_to_files() { return ::access(HPC_SANITIZER_REPORTS, W_OK | X_OK) == 0; }

}  // namespace

extern "C" const char* __asan_default_options() {
    return reports_to_files() ? HPC_ASAN_OPTIONS HPC_REPORT_FILES : HPC_ASAN_OPTIONS;
}

extern "C" const char* __ubsan_default_options() {
    return reports_to_files() ? HPC_UBSAN_OPTIONS HPC_REPORT_FILES : HPC_UBSAN_OPTIONS;
}

// libsquashfs 1.2.0 (Debian 12's) loses blocks it allocated for file data once a write of the
// output has failed (hpc build to a full disk: faults.bats; squashfs_writer_error_test), though
// hpc destroys its block processor; no other allocation of the library is reported leaked, in any
// other build or test. Suppressed by the library's name. (Suppressions are not listed in the
// reports folder: the run takes any file written there for a defect.)
extern "C" const char* __lsan_default_options() { return "print_suppressions=0"; }

extern "C" const char* __lsan_default_suppressions() { return "leak:libsquashfs.so.1\n"; }

// LeakSanitizer checks at exit from a tracer it clones, which finds the process's threads in
// /proc and must be born where it can see them: once the process has joined another mount
// namespace (an instance's container, whose /proc is its own PID namespace's) or another PID
// namespace, it cannot, and gcc 12's LeakSanitizer then waits for the dead tracer forever (found:
// `hpc exec instance://` hung; elsewhere "Can't open /proc/PID/task"). So a process about to join
// either is checked for leaks then, once, instead of at its exit: this setns takes the C
// library's place in the sanitized programs.
extern "C" int setns(int fd, int nstype) noexcept {
    int joined = nstype != 0 ? nstype : ::ioctl(fd, NS_GET_NSTYPE);
    if (joined == CLONE_NEWNS || joined == CLONE_NEWPID) __lsan_do_leak_check();
    return static_cast<int>(::syscall(SYS_setns, fd, nstype));
}
