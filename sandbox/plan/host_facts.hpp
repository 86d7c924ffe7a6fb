// Facts about the host that a launch plan depends on, gathered once by the caller and passed
// in as data, so the planner stays pure and its tests can invent any host they like.
#pragma once

#include "gpu/cdi.hpp"
#include "gpu/host_gpu.hpp"
#include "mpi/host_mpi.hpp"
#include "sandbox/plan/identity.hpp"
#include "sandbox/plan/launch_plan.hpp"
#include "sandbox/plan/subordinate_ids.hpp"

#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace hpc::sandbox {

// Which of an image file's file systems a launch asks for (image::FileSystemChoice, which the
// planner does not know): in a SIF, the partition `sif_id` (id=N), else its ext3 overlay
// partition when `overlay_partition` and it has one, else its primary system partition.
struct ImageFileQuery {
    std::optional<uint32_t> sif_id;
    bool overlay_partition = false;
};

// The canonical host path (symlinks resolved) of a path, or nullopt when it does not exist.
using CanonicalPath = std::function<std::optional<std::string>(const std::string& path)>;

struct HostFacts {
    UserIdentity user;
    std::string cwd;  // the working directory as the user sees it ($PWD when it names it)
    std::vector<std::string> environ;
    std::string terminal;  // the terminal on stdin, stdout or stderr ("/dev/pts/3"), or ""
    // This process is a Slurm step's task itself (slurmstepd started it, as `srun hpc exec`
    // and the SPANK plugin do), not a program a task's script runs.
    bool slurm_task = false;
    // A digest of the host's mount table as this launch sees it, asked only by a launch that
    // shares its mount: a server's namespace holds the host's mounts as they were when it
    // started (on a host whose / propagates none), so launches join only a server that started
    // with the same ones.
    std::function<std::string()> mount_table;
    CanonicalPath canonical;
    std::function<bool(const std::string& path)> is_directory;  // links followed
    // The user's subordinate ids, asked for only by --fakeroot (reading them loads libsubid).
    std::function<SubordinateIds()> subordinate_ids;
    // The host's MPI, looked for only by --mpi host (it reads every library of it).
    std::function<mpi::HostMpi(const mpi::HostMpiQuery&)> mpi;
    // The host's GPU driver, looked for only by --nv and --rocm (it reads ld.so.cache and /dev).
    std::function<gpu::HostGpu(const gpu::GpuQuery&)> gpu;
    // CDI devices' edits from the specs in the directories given, read only by --device.
    std::function<gpu::CdiEdits(const std::vector<std::string>& names, const std::vector<std::string>& directories)> cdi;
    // The file system an --overlay image, an image bind's source or a SIF's overlay partition
    // holds, and where: an ImageMount but for `writable` and `purpose`. Asked only for those (it
    // opens and checks the file); throws hpc::Error for a file hpc cannot mount.
    std::function<ImageMount(const std::string& canonical_path, const ImageFileQuery& query)> image_file;
};

}  // namespace hpc::sandbox
