// Running a check in a forked child that has entered its own user and mount namespace, mapping
// only the caller's ids (as `hpc exec` does without --fakeroot), where it may make FUSE mounts.
// The child reports through a pipe; Catch2 assertions stay in the parent.
#pragma once

#include <sys/types.h>

#include <functional>
#include <string>
#include <vector>

namespace hpc::test {

// What a check in the child says: failures, or that the host cannot do what it needs.
class ChildReport {
public:
    void expect(bool ok, const std::string& what) {
        if (!ok) failures.push_back(what);
    }
    void skip(const std::string& why) { skipped = why; }
    void note(const std::string& what) { notes.push_back(what); }  // measurements, for benchmarks

    std::vector<std::string> failures;
    std::vector<std::string> notes;
    std::string skipped;  // non-empty: the check could not run here, and why
};

struct ChildOutcome {
    std::string skipped;
    std::vector<std::string> failures;
    std::vector<std::string> notes;
    std::string abnormal;  // the child died (signal, time limit) rather than reporting
};

// Forks, enters a user+mount namespace in the child (skipping when the host refuses), makes
// the mount tree private, runs `check`, and collects its report. The child is killed after
// `seconds`, so a hang fails the test instead of stopping the run.
ChildOutcome run_in_user_namespace(const std::function<void(ChildReport&)>& check, unsigned seconds = 120);

// The same as a user whose id in the namespace is not 0, as hpc's users' is (a process with
// another id loses its capabilities at execve): a root caller's child first becomes
// unprivileged_uid() (nobody), whom the namespace maps to itself. What the check uses on the
// host must then be open to that user.
ChildOutcome run_unprivileged_in_user_namespace(const std::function<void(ChildReport&)>& check,
                                                unsigned seconds = 120);
uid_t unprivileged_uid();  // getuid(), or nobody's 65534 for root
gid_t unprivileged_gid();

}  // namespace hpc::test
