// --fakeroot's one-id fallback: the ownership filter, in a user namespace of the test's own
// (a component test: it forks a child into the namespace).
#include "fuse_test_support.hpp"
#include "image_fixture.hpp"
#include "namespace_child.hpp"
#include "sandbox/run/ownership_filter.hpp"

#include <catch2/catch.hpp>

#include <fcntl.h>
#include <grp.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

using namespace hpc::sandbox;

TEST_CASE("fakeroot: the ownership filter makes chown and setuid succeed and change nothing") {
    hpc::test::TempDir dir("hpc-fakeroot");
    std::string file = dir.path() + "/file";
    hpc::test::write_host_file(file, "x");
    report(hpc::test::run_in_user_namespace([&](hpc::test::ChildReport& child) {
        struct stat before {};
        ::stat(file.c_str(), &before);
        // Only the caller's own id is mapped: chown to another owner is refused...
        errno = 0;
        child.expect(::chown(file.c_str(), 1234, 1234) == -1 && errno == EINVAL, "chown before the filter fails");
        install_ownership_filter();
        // ...and with the filter it succeeds, having done nothing.
        child.expect(::chown(file.c_str(), 1234, 1234) == 0, "chown succeeds");
        child.expect(::lchown(file.c_str(), 1234, 1234) == 0, "lchown succeeds");
        child.expect(::fchownat(AT_FDCWD, file.c_str(), 1234, 1234, 0) == 0, "fchownat succeeds");
        struct stat after {};
        ::stat(file.c_str(), &after);
        child.expect(after.st_uid == before.st_uid && after.st_gid == before.st_gid, "the owner is unchanged");
        uid_t uid = ::getuid();
        child.expect(::setuid(1234) == 0 && ::setresgid(1234, 1234, 1234) == 0, "setuid and setresgid succeed");
        gid_t group = 1234;
        child.expect(::setgroups(1, &group) == 0, "setgroups succeeds");
        child.expect(::getuid() == uid, "the uid is unchanged");
        // Everything else still works as before.
        child.expect(::chmod(file.c_str(), 0600) == 0, "chmod is not filtered");
    }));
}
