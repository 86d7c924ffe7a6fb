// The bind model's decisions from invented facts: which host MPI an image can use, and what is
// bound when it can.
#include "common/error.hpp"
#include "mpi/bind_model.hpp"
#include "mpi/system_libraries.hpp"

#include "thrown_error.hpp"

#include <catch2/catch.hpp>

#include <map>

using namespace hpc::mpi;
using Strings = std::vector<std::string>;

namespace {

const std::string libdir = "/usr/lib/x86_64-linux-gnu";

// Debian 12's Open MPI 4.1, as find_host_mpi gathers it (a few of its libraries).
HostMpi debian_open_mpi() {
    HostMpi host;
    host.libmpi = {libdir + "/libmpi.so.40.30.4", "libmpi.so.40", MpiFamily::open_mpi};
    host.libraries = {
        {"libmpi.so.40", libdir + "/libmpi.so.40.30.4", {{"libc.so.6", "GLIBC_2.2.5"}, {"libm.so.6", "GLIBC_2.29"}}, false},
        {"libopen-pal.so.40", libdir + "/libopen-pal.so.40.30.2", {{"libc.so.6", "GLIBC_2.34"}}, false},
        {"libstdc++.so.6", libdir + "/libstdc++.so.6.0.30", {{"libc.so.6", "GLIBC_2.36"}}, false},
        {"libucp.so.0", libdir + "/libucp.so.0.0.0", {{"libstdc++.so.6", "GLIBCXX_3.4.30"}}, false},
    };
    host.directories = {{libdir + "/openmpi/lib", "named by libmpi.so.40", false},
                        {libdir + "/pmix2/lib", "named by libpmix.so.2", false}};
    host.plugins = {{libdir + "/openmpi/lib/openmpi3/mca_btl_tcp.so", {{"libc.so.6", "GLIBC_2.14"}}}};
    return host;
}

const Strings glibc_2_36 = {"GLIBC_2.2.5", "GLIBC_2.14", "GLIBC_2.29", "GLIBC_2.34", "GLIBC_2.36", "GLIBC_PRIVATE"};

// An image whose libraries define the versions given (nullopt: the image has no such library).
ImageLibraries image_with(std::map<std::string, Strings> versions) {
    ImageLibraries image;
    image.find_mpi = [](const std::string&) { return std::nullopt; };
    image.version_definitions = [versions](const std::string& name) -> std::optional<Strings> {
        auto found = versions.find(name);
        if (found == versions.end()) return std::nullopt;
        return found->second;
    };
    return image;
}

const MpiLibrary image_open_mpi = {libdir + "/libmpi.so.40.30.4", "libmpi.so.40", MpiFamily::open_mpi};

Strings names(const BindModel& model) {
    Strings list;
    for (const HostLibrary& library : model.libraries) list.push_back(library.name);
    return list;
}

std::string refusal(const HostMpi& host, const MpiLibrary& image_mpi, const ImageLibraries& image) {
    return hpc::test::error_message([&] { plan_bind_model(host, image_mpi, image); }, hpc::ExitCode::data);
}

}  // namespace

TEST_CASE("bind model: an image of the same Open MPI ABI gets the host's libraries and plugin directories") {
    ImageLibraries image = image_with({{"libc.so.6", glibc_2_36}, {"libm.so.6", glibc_2_36}});
    BindModel model = plan_bind_model(debian_open_mpi(), image_open_mpi, image);
    // The image has no libstdc++: the host's comes too.
    CHECK(names(model) == Strings{"libmpi.so.40", "libopen-pal.so.40", "libstdc++.so.6", "libucp.so.0"});
    CHECK(model.directories == debian_open_mpi().directories);
    CHECK(model.libraries.front().path == libdir + "/libmpi.so.40.30.4");
}

TEST_CASE("bind model: a compiler run-time library stays the image's when it has every version the host's need") {
    ImageLibraries newer = image_with(
        {{"libc.so.6", glibc_2_36}, {"libm.so.6", glibc_2_36}, {"libstdc++.so.6", {"GLIBCXX_3.4.30", "GLIBCXX_3.4.32"}}});
    CHECK(names(plan_bind_model(debian_open_mpi(), image_open_mpi, newer)) ==
          Strings{"libmpi.so.40", "libopen-pal.so.40", "libucp.so.0"});
    // An older one: the host's (the newer) serves the image's programs too.
    ImageLibraries older = image_with(
        {{"libc.so.6", glibc_2_36}, {"libm.so.6", glibc_2_36}, {"libstdc++.so.6", {"GLIBCXX_3.4.28"}}});
    CHECK(names(plan_bind_model(debian_open_mpi(), image_open_mpi, older)).size() == 4);
    // The image's own libstdc++ is not judged by the glibc the host's would need.
    HostMpi host = debian_open_mpi();
    host.libraries[2].needs = {{"libc.so.6", "GLIBC_2.38"}};
    CHECK(names(plan_bind_model(host, image_open_mpi, newer)).size() == 3);
    CHECK(refusal(host, image_open_mpi, older).ends_with(
        "the host's " + libdir + "/libstdc++.so.6.0.30 needs GLIBC_2.38 of libc.so.6, which the image's glibc "
                                 "lacks (its newest is GLIBC_2.36)"));
}

TEST_CASE("bind model: different ABIs are refused, naming both libraries and the cause") {
    ImageLibraries image = image_with({{"libc.so.6", glibc_2_36}, {"libm.so.6", glibc_2_36}});
    MpiLibrary mpich = {libdir + "/libmpich.so.12.2.0", "libmpich.so.12", MpiFamily::mpich_abi};
    CHECK(refusal(debian_open_mpi(), mpich, image) ==
          "--mpi host: the image's " + libdir + "/libmpich.so.12.2.0 (MPICH ABI, libmpich.so.12) cannot use the host's " +
              libdir + "/libmpi.so.40.30.4 (Open MPI, libmpi.so.40): different MPI ABIs");
    MpiLibrary open_mpi_2 = {"/opt/ompi/lib/libmpi.so.20.10.0", "libmpi.so.20", MpiFamily::open_mpi};
    CHECK(refusal(debian_open_mpi(), open_mpi_2, image).ends_with(
        ": different Open MPI ABI versions (libmpi.so.20 and libmpi.so.40)"));
    MpiLibrary unknown = {"/opt/x/lib/libmpi.so.3", "libmpi.so.3", MpiFamily::other};
    CHECK(refusal(debian_open_mpi(), unknown, image).ends_with(
        "(an MPI of unknown ABI, libmpi.so.3) cannot use the host's " + libdir +
        "/libmpi.so.40.30.4 (Open MPI, libmpi.so.40): hpc knows the ABI of Open MPI and of the MPICH family only"));
}

TEST_CASE("bind model: an image whose glibc is older than the host's libraries need is refused") {
    Strings glibc_2_31 = {"GLIBC_2.2.5", "GLIBC_2.14", "GLIBC_2.29", "GLIBC_2.30", "GLIBC_2.31"};
    ImageLibraries image = image_with({{"libc.so.6", glibc_2_31}, {"libm.so.6", glibc_2_31}});
    CHECK(refusal(debian_open_mpi(), image_open_mpi, image) ==
          "--mpi host: the image's " + libdir + "/libmpi.so.40.30.4 (Open MPI, libmpi.so.40) cannot use the host's " +
              libdir + "/libmpi.so.40.30.4 (Open MPI, libmpi.so.40): the host's " + libdir +
              "/libopen-pal.so.40.30.2 needs GLIBC_2.34 of libc.so.6, which the image's glibc lacks (its newest is "
              "GLIBC_2.31)");
    // A plugin counts as much as a library: it is loaded from the directory bound.
    HostMpi host = debian_open_mpi();
    host.libraries.resize(1);
    host.plugins[0].needs = {{"libc.so.6", "GLIBC_2.33"}};
    CHECK(refusal(host, image_open_mpi, image).ends_with(
        "the host's " + libdir + "/openmpi/lib/openmpi3/mca_btl_tcp.so needs GLIBC_2.33 of libc.so.6, which the "
                                 "image's glibc lacks (its newest is GLIBC_2.31)"));
    // An image with no glibc at all (static busybox, musl).
    CHECK(refusal(debian_open_mpi(), image_open_mpi, image_with({})).ends_with(
        "the host's " + libdir + "/libmpi.so.40.30.4 needs libc.so.6, which the image lacks"));
}

TEST_CASE("bind model: the MPICH ABI's two names: the image's SONAME is given the host's library too") {
    HostMpi host;
    host.libmpi = {"/opt/intel/mpi/lib/release/libmpi.so.12.0.0", "libmpi.so.12", MpiFamily::mpich_abi};
    host.libraries = {{"libmpi.so.12", host.libmpi.path, {{"libc.so.6", "GLIBC_2.2.5"}}, false},
                      {"libfabric.so.1", "/opt/intel/mpi/libfabric/lib/libfabric.so.1", {}, false}};
    MpiLibrary debian_mpich = {libdir + "/libmpich.so.12.2.0", "libmpich.so.12", MpiFamily::mpich_abi};
    BindModel model = plan_bind_model(host, debian_mpich, image_with({{"libc.so.6", glibc_2_36}}));
    CHECK(names(model) == Strings{"libmpi.so.12", "libfabric.so.1", "libmpich.so.12"});
    CHECK(model.libraries.back().path == host.libmpi.path);
}

TEST_CASE("bind model: which libraries are glibc's, which the compiler's, and the newest version") {
    for (const char* name : {"libc.so.6", "libm.so.6", "libpthread.so.0", "ld-linux-x86-64.so.2", "libnss_files.so.2"})
        CHECK(is_glibc_library(name));
    for (const char* name : {"libcrypt.so.1", "libz.so.1", "libmpi.so.40", "libstdc++.so.6"}) CHECK_FALSE(is_glibc_library(name));
    CHECK(is_compiler_runtime("libgfortran.so.5"));
    CHECK(is_compiler_runtime("libgcc_s.so.1"));
    CHECK_FALSE(is_compiler_runtime("libgcc.so"));
    CHECK(newest_version({"GLIBC_2.2.5", "GLIBC_2.10", "GLIBC_PRIVATE", "GLIBC_2.9"}) == "GLIBC_2.10");
    CHECK(newest_version({"GLIBC_PRIVATE"}).empty());
}
