# squashfs-tools-ng's libsquashfs, the squashfs writer hpc links (image/write). Spack's builtin
# repository has no recipe for it: this one builds the library from its release tags. Where
# the system has it (Debian's libsquashfs-dev), declare that one external instead.

from spack.package import *


class SquashfsToolsNg(AutotoolsPackage):
    """A new set of tools and libraries (libsquashfs) for working with SquashFS images."""

    homepage = "https://github.com/AgentD/squashfs-tools-ng"
    git = "https://github.com/AgentD/squashfs-tools-ng.git"

    version("1.3.2", tag="v1.3.2")
    version("1.2.0", tag="v1.2.0")
    version("1.1.4", tag="v1.1.4")

    depends_on("c", type="build")
    depends_on("autoconf", type="build")
    depends_on("automake", type="build")
    depends_on("libtool", type="build")
    depends_on("m4", type="build")
    depends_on("pkgconfig", type="build")

    depends_on("zlib-api")
    depends_on("xz")
    depends_on("lzo")
    depends_on("lz4")
    depends_on("zstd")

    def autoreconf(self, spec, prefix):
        Executable("./autogen.sh")()
