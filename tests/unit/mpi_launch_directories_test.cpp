// Which directories an MPI launcher's variables name, from environments measured under each.
#include "mpi/launch_directories.hpp"
#include "mpi/mpi_library.hpp"

#include <catch2/catch.hpp>

using namespace hpc::mpi;

TEST_CASE("launch directories: srun --mpi=pmix names its session directory and the dstores in it") {
    std::vector<std::string> variables = {
        "SLURM_JOB_ID=1",
        "PMIX_SERVER_TMPDIR=/var/spool/slurmd/pmix.1.0/",
        "PMIX_DSTORE_21_BASE_PATH=/var/spool/slurmd/pmix.1.0//pmix_dstor_ds21_28991",
        "PMIX_DSTORE_ESH_BASE_PATH=/var/spool/slurmd/pmix.1.0//pmix_dstor_ds12_28991",
        "PMIX_SYSTEM_TMPDIR=/tmp",
        "PMIX_SERVER_URI41=pmix-server.28991;tcp4://127.0.0.1:41235",
    };
    CHECK(launch_directories(variables) ==
          std::vector<LaunchDirectory>{
              {"PMIX_SERVER_TMPDIR", "/var/spool/slurmd/pmix.1.0"},
              {"PMIX_DSTORE_ESH_BASE_PATH", "/var/spool/slurmd/pmix.1.0/pmix_dstor_ds12_28991"},
              {"PMIX_DSTORE_21_BASE_PATH", "/var/spool/slurmd/pmix.1.0/pmix_dstor_ds21_28991"},
          });
}

TEST_CASE("launch directories: Open MPI's mpirun names its session directories, the launch's first") {
    std::vector<std::string> variables = {
        "OMPI_FILE_LOCATION=/tmp/ompi.vm.1001/pid.2717/0/0",
        "OMPI_MCA_orte_jobfam_session_dir=/tmp/ompi.vm.1001/pid.2717",
        "OMPI_MCA_orte_top_session_dir=/tmp/ompi.vm.1001",
        "OMPI_MCA_orte_tmpdir_base=/tmp",
        "PMIX_SERVER_TMPDIR=/tmp/ompi.vm.1001/pid.2717",
        "PMIX_DSTORE_21_BASE_PATH=/tmp/ompi.vm.1001/pid.2717/pmix_dstor_ds21_2717",
    };
    std::vector<LaunchDirectory> directories = launch_directories(variables);
    REQUIRE(directories.size() == 4);
    CHECK(directories[0] == LaunchDirectory{"OMPI_MCA_orte_top_session_dir", "/tmp/ompi.vm.1001"});
    CHECK(directories[1] == LaunchDirectory{"PMIX_SERVER_TMPDIR", "/tmp/ompi.vm.1001/pid.2717"});
    CHECK(directories[3].variable == "PMIX_DSTORE_21_BASE_PATH");
}

TEST_CASE("launch directories: relative paths, the root, empty values and duplicates are left out") {
    CHECK(launch_directories({"PMIX_SERVER_TMPDIR=spool/pmix", "OMPI_FILE_LOCATION=/", "PMIX_DSTORE_21_BASE_PATH=",
                              "PMIX_SERVER_TMPDIRX=/x", "HOME=/home/alice"})
              .empty());
    // The first of two entries for one name is the one getenv(3) sees.
    CHECK(launch_directories({"PMIX_SERVER_TMPDIR=/a", "PMIX_SERVER_TMPDIR=/b"}) ==
          std::vector<LaunchDirectory>{{"PMIX_SERVER_TMPDIR", "/a"}});
}

TEST_CASE("mpi library: a libmpi's family from its SONAME and the symbols it defines") {
    ElfObject open_mpi;
    open_mpi.soname = "libmpi.so.40";
    open_mpi.defined_symbols = {"MPI_Init", "ompi_mpi_comm_world"};
    CHECK(identify_mpi("/usr/lib/libmpi.so.40.30.4", open_mpi) ==
          MpiLibrary{"/usr/lib/libmpi.so.40.30.4", "libmpi.so.40", MpiFamily::open_mpi});
    // Open MPI 1.10 was libmpi.so.12 too: its symbols tell it from the MPICH ABI.
    open_mpi.soname = "libmpi.so.12";
    CHECK(identify_mpi("/opt/ompi/lib/libmpi.so.12", open_mpi).family == MpiFamily::open_mpi);
    ElfObject mpich;
    mpich.soname = "libmpich.so.12";
    mpich.defined_symbols = {"MPI_Init"};
    CHECK(identify_mpi("/usr/lib/libmpich.so.12.2.0", mpich).family == MpiFamily::mpich_abi);
    mpich.soname = "libmpi.so.3";
    CHECK(identify_mpi("/opt/x/libmpi.so.3", mpich).family == MpiFamily::other);
    ElfObject no_soname;  // named by its file then
    no_soname.defined_symbols = {"MPI_Init"};
    CHECK(identify_mpi("/opt/y/libmpi.so.12", no_soname).soname == "libmpi.so.12");
    CHECK(describe(identify_mpi("/opt/y/libmpi.so.12", no_soname)) == "/opt/y/libmpi.so.12 (MPICH ABI, libmpi.so.12)");

    CHECK(is_mpi_library_name("libmpi.so.40"));
    CHECK(is_mpi_library_name("libmpich.so.12"));
    for (const char* name : {"libmpi.so", "libmpi.so.40.30.4", "libmpi_cxx.so.40", "libmpi.so.", "libmpich.so.x"})
        CHECK_FALSE(is_mpi_library_name(name));
}
