#include "image/serve/owner_ids.hpp"

#include <catch2/catch.hpp>

using hpc::image::IdRanges;

TEST_CASE("owner ids: a user namespace's ranges, inside ids", "[owner_ids]") {
    IdRanges self({{1001, 1}});
    CHECK(self.contains(1001));
    CHECK_FALSE(self.contains(0));
    CHECK_FALSE(self.contains(1002));

    IdRanges fakeroot({{0, 1}, {1, 65536}});
    CHECK(fakeroot.contains(0));
    CHECK(fakeroot.contains(42));
    CHECK(fakeroot.contains(65536));
    CHECK_FALSE(fakeroot.contains(65537));

    IdRanges whole({{0, 4294967295u}});
    CHECK(whole.contains(4294967294u));
    CHECK(IdRanges::all().contains(4294967295u));
    CHECK_FALSE(IdRanges(std::vector<hpc::image::IdRange>{}).contains(0));
}
