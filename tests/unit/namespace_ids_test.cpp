#include "image/namespace_ids.hpp"

#include <catch2/catch.hpp>

using hpc::image::IdRanges;

TEST_CASE("namespace ids: the inside column of an id map", "[namespace_ids]") {
    IdRanges self = IdRanges::parse("      1001       1001          1\n");
    CHECK(self.contains(1001));
    CHECK_FALSE(self.contains(0));
    CHECK_FALSE(self.contains(1002));

    IdRanges fakeroot = IdRanges::parse("0 1001 1\n1 100000 65536\n");
    CHECK(fakeroot.contains(0));
    CHECK(fakeroot.contains(42));
    CHECK(fakeroot.contains(65536));
    CHECK_FALSE(fakeroot.contains(65537));

    IdRanges initial = IdRanges::parse("0 0 4294967295\n");
    CHECK(initial.contains(0));
    CHECK(initial.contains(4294967294u));
    CHECK(IdRanges::all().contains(4294967295u));
    CHECK_FALSE(IdRanges::parse("").contains(0));
}
