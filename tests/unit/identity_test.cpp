#include "common/error.hpp"
#include "sandbox/plan/identity.hpp"

#include <catch2/catch.hpp>

using hpc::sandbox::GroupEntry;
using hpc::sandbox::UserIdentity;
using hpc::sandbox::group_with_user;
using hpc::sandbox::passwd_with_user;

namespace {

UserIdentity alice() {
    UserIdentity user;
    user.uid = 1000;
    user.gid = 1000;
    user.name = "alice";
    user.gecos = "Alice Liddell";
    user.home = "/home/alice";
    user.shell = "/bin/zsh";
    user.groups = {{1000, "alice"}, {27, "sudo"}, {5000, "hpcusers"}};
    return user;
}

}  // namespace

TEST_CASE("passwd_with_user appends the user to an image that does not know them") {
    std::string image = "root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n";
    CHECK(passwd_with_user(image, alice(), "/home/alice", true) ==
          image + "alice:x:1000:1000:Alice Liddell:/home/alice:/bin/zsh\n");
}

TEST_CASE("passwd_with_user uses the container's home and /bin/sh when the image lacks the shell") {
    CHECK(passwd_with_user("", alice(), "/scratch/home", false) ==
          "alice:x:1000:1000:Alice Liddell:/scratch/home:/bin/sh\n");
    UserIdentity no_shell = alice();
    no_shell.shell = "";
    CHECK(passwd_with_user("", no_shell, "/home/alice", true) ==
          "alice:x:1000:1000:Alice Liddell:/home/alice:/bin/sh\n");
}

TEST_CASE("passwd_with_user tolerates a last line without its newline") {
    CHECK(passwd_with_user("root:x:0:0:root:/root:/bin/sh", alice(), "/home/alice", true) ==
          "root:x:0:0:root:/root:/bin/sh\nalice:x:1000:1000:Alice Liddell:/home/alice:/bin/zsh\n");
}

TEST_CASE("passwd_with_user replaces a line with the same uid in place") {
    std::string image = "root:x:0:0:root:/root:/bin/sh\nubuntu:x:1000:1000:Ubuntu:/home/ubuntu:/bin/bash\n"
                        "nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n";
    CHECK(passwd_with_user(image, alice(), "/home/alice", true) ==
          "root:x:0:0:root:/root:/bin/sh\nalice:x:1000:1000:Alice Liddell:/home/alice:/bin/zsh\n"
          "nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n");
}

TEST_CASE("passwd_with_user replaces a line with the same name and drops a second match") {
    std::string image = "alice:x:2000:2000::/home/alice:/bin/sh\nroot:x:0:0:root:/root:/bin/sh\n"
                        "other:x:1000:1000::/home/other:/bin/sh\n";
    CHECK(passwd_with_user(image, alice(), "/home/alice", true) ==
          "alice:x:1000:1000:Alice Liddell:/home/alice:/bin/zsh\nroot:x:0:0:root:/root:/bin/sh\n");
}

TEST_CASE("passwd_with_user keeps comments, blank and odd lines as they are") {
    std::string image = "# a comment mentioning alice:x:1000\n\n+::::::\nbroken line\n"
                        "alicea:x:1001:1001::/home/alicea:/bin/sh\nx:x:10000:1::/:/bin/sh\n";
    CHECK(passwd_with_user(image, alice(), "/home/alice", true) ==
          image + "alice:x:1000:1000:Alice Liddell:/home/alice:/bin/zsh\n");
}

TEST_CASE("passwd_with_user turns colons in the comment field into spaces") {
    UserIdentity user = alice();
    user.gecos = "Alice: Wonderland\nline";
    CHECK(passwd_with_user("", user, "/home/alice", true) ==
          "alice:x:1000:1000:Alice  Wonderland line:/home/alice:/bin/zsh\n");
}

TEST_CASE("passwd_with_user refuses a home that would break the entry apart") {
    try {
        passwd_with_user("", alice(), "/home/a:b", true);
        FAIL("no error");
    } catch (const hpc::Error& error) {
        CHECK(error.code() == hpc::ExitCode::data);
        CHECK(std::string(error.what()) ==
              "cannot write the user's passwd entry: the home directory '/home/a:b' contains ':' or a newline");
    }
}

TEST_CASE("passwd_with_user writes root's own entry under fakeroot") {
    UserIdentity root;
    root.name = "root";
    root.gecos = "root";
    root.shell = "/bin/bash";
    CHECK(passwd_with_user("root:x:0:0:root:/root:/bin/ash\nbin:x:1:1:bin:/bin:/sbin/nologin\n", root, "/root",
                           true) == "root:x:0:0:root:/root:/bin/bash\nbin:x:1:1:bin:/bin:/sbin/nologin\n");
}

TEST_CASE("group_with_user appends groups the image lacks, with the user as member") {
    UserIdentity user = alice();
    CHECK(group_with_user("root:x:0:\n", user, user.groups) ==
          "root:x:0:\nalice:x:1000:alice\nsudo:x:27:alice\nhpcusers:x:5000:alice\n");
}

TEST_CASE("group_with_user adds the user to an existing group with the same gid") {
    UserIdentity user = alice();
    std::string image = "root:x:0:\nsudo:x:27:bob\nstaff:x:50:\nvideo:x:44:alice\n";
    CHECK(group_with_user(image, user, {{27, "sudo"}, {50, "whatever"}, {44, "video"}}) ==
          "root:x:0:\nsudo:x:27:bob,alice\nstaff:x:50:alice\nvideo:x:44:alice\n");
}

TEST_CASE("group_with_user does not add the user twice") {
    UserIdentity user = alice();
    std::string image = "sudo:x:27:bob,alice,carol\n";
    CHECK(group_with_user(image, user, {{27, "sudo"}, {27, "sudo"}}) == image);
    CHECK(group_with_user("", user, {{5000, "hpc"}, {5000, "hpc"}}) == "hpc:x:5000:alice\n");
}

TEST_CASE("group_with_user keeps odd lines, tolerates a missing newline and a missing member field") {
    UserIdentity user = alice();
    CHECK(group_with_user("# groups\n\ngrp:x:1000", user, {{1000, "alice"}}) == "# groups\n\ngrp:x:1000:alice\n");
    CHECK(group_with_user("weird\nnotanumber:x:abc:\n", user, {{27, "sudo"}}) ==
          "weird\nnotanumber:x:abc:\nsudo:x:27:alice\n");
}

TEST_CASE("group_with_user with no groups leaves the image's file as it was, newline added") {
    CHECK(group_with_user("root:x:0:", alice(), {}) == "root:x:0:\n");
    CHECK(group_with_user("", alice(), {}) == "");
}
