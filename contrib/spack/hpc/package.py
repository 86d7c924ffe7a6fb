# A Spack recipe for hpc. Copy contrib/spack/hpc (and contrib/spack/squashfs-tools-ng, which
# Spack's builtin repository lacks) into a Spack repository of the site's: see contrib/README.md.

from spack.package import *


class Hpc(CMakePackage):
    """Run container images (SIF, squashfs, directories) as yourself: an unprivileged
    container tool like Apptainer, with no setuid program and no daemon."""

    # The site's own clone: hpc has no public release to fetch yet.
    git = "file:///path/to/hpc.git"

    version("main", branch="main")

    variant(
        "slurm",
        default=False,
        description="Build the Slurm SPANK plugin (lib/hpc/spank_hpc.so) for the Slurm it is built against",
    )
    variant(
        "static_dependencies",
        default=False,
        description="Link the libraries in (HPC_STATIC_DEPENDENCIES): about 3.5 ms less per launch, "
        "but every dependency must provide its static archive",
    )

    depends_on("cxx", type="build")
    depends_on("c", type="build")
    depends_on("cmake@3.25:", type="build")
    depends_on("ninja", type="build")
    depends_on("pkgconfig", type="build")

    # Header-only, at build time alone.
    depends_on("cli11@2.1:", type="build")
    depends_on("nlohmann-json@3.11:", type="build")
    depends_on("tomlplusplus@3:", type="build")
    # The headers of libcurl alone: hpc loads libcurl.so.4 at run time, for registries only.
    depends_on("curl", type=("build", "run"))

    depends_on("squashfuse@0.5:")
    depends_on("libfuse@3:")
    depends_on("squashfs-tools-ng@1.1:")
    depends_on("libdeflate")
    depends_on("nettle")
    depends_on("libseccomp")
    depends_on("elfutils")
    depends_on("libarchive")
    depends_on("yaml-cpp")
    # The compressors libsquashfuse and libsquashfs were built with.
    depends_on("zlib-api")
    depends_on("xz")
    depends_on("lzo")
    depends_on("lz4")
    depends_on("zstd")

    with when("+static_dependencies"):
        depends_on("squashfuse+static")
        depends_on("yaml-cpp~shared")
        depends_on("xz libs=static,shared")
        depends_on("lz4 libs=static,shared")
        depends_on("zstd libs=static,shared")

    depends_on("slurm", when="+slurm")
    depends_on("catch2@2", type="test")

    generator("ninja")

    def cmake_args(self):
        return [
            self.define_from_variant("HPC_SLURM_PLUGIN", "slurm"),
            self.define_from_variant("HPC_STATIC_DEPENDENCIES", "static_dependencies"),
            self.define("BUILD_TESTING", self.run_tests),
            # hpc reads its site config from /etc/hpc/hpc.toml (fixed at build time, so that no
            # user can point it elsewhere); the commented example goes into the prefix, for the
            # admin to copy there.
            self.define("HPC_SITE_CONFIG_INSTALL_DIR", join_path(self.prefix, "etc", "hpc")),
        ]
