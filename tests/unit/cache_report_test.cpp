// What `hpc cache list` and `clean` print (cmd/cache_report.hpp), and where the command finds
// the cache (cmd/cache_command.hpp).
#include "cmd/cache_command.hpp"
#include "cmd/cache_report.hpp"

#include <catch2/catch.hpp>

using hpc::image::cache::Entry;

namespace {

const std::string blob_digest = "sha256:" + std::string(64, 'a');
const std::string sif_digest = "sha256:" + std::string(64, 'b');

std::vector<Entry> some_entries() {
    return {
        {Entry::Kind::blob, blob_digest, 3 * 1024 * 1024, 40, "/c/blobs/sha256/aaa"},
        {Entry::Kind::blob, blob_digest, 1024 * 1024 / 2, 1, "/c/blobs/sha256/aab"},
        {Entry::Kind::sif, sif_digest, 44 * 1024 * 1024 + 1024 * 100, 0, "/c/sif/sha256/bbb.sif"},
        {Entry::Kind::tag, "docker.io/library/alpine:latest", 150, 2, "/c/tags/ccc"},
    };
}

}  // namespace

TEST_CASE("cache list: the summary counts SIF files, blobs and tag records, in MiB", "[cache_command]") {
    CHECK(hpc::cmd::cache_summary({}) == "There are 0 SIF files using 0.00 MiB, 0 blobs using 0.00 MiB, 0 tag records\n");
    CHECK(hpc::cmd::cache_summary(some_entries()) ==
          "There are 1 SIF file using 44.10 MiB, 2 blobs using 3.50 MiB, 1 tag record\n");
    CHECK(hpc::cmd::entries_in_words(some_entries()) == "1 SIF file, 2 blobs and 1 tag record (47.60 MiB)");
}

TEST_CASE("cache list -v: one line per entry, the names in one column", "[cache_command]") {
    std::string pad(71 - 31, ' ');
    CHECK(hpc::cmd::cache_table(some_entries()) ==
          "KIND  NAME" + std::string(69, ' ') + "SIZE          LAST USED\n"
          "blob  " + blob_digest + "  3.00 MiB      40 days ago\n"
          "blob  " + blob_digest + "  0.50 MiB      1 day ago\n"
          "sif   " + sif_digest + "  44.10 MiB     0 days ago\n"
          "tag   docker.io/library/alpine:latest" + pad + "  0.00 MiB      2 days ago\n");
}

TEST_CASE("hpc cache: the root from the environment, else the user's in the site's, else $HOME's", "[cache_command]") {
    hpc::site::SiteConfig site;
    CHECK(hpc::cmd::cache_root_for({"HOME=/home/u"}, site, 1001) == "/home/u/.cache/hpc");
    CHECK(hpc::cmd::cache_root_for({"HOME=/home/u", "APPTAINER_CACHEDIR=/scratch/u/cache"}, site, 1001) ==
          "/scratch/u/cache");
    site.oci.cache_dir = "/local/hpc-cache";
    CHECK(hpc::cmd::cache_root_for({"HOME=/home/u"}, site, 1001) == "/local/hpc-cache/1001");
    CHECK(hpc::cmd::cache_root_for({"HOME=/home/u", "HPC_CACHEDIR=/mine"}, site, 1001) == "/mine");
}
