#include "common/error.hpp"
#include "site-config/site_config.hpp"
#include "site-config/site_config_file.hpp"

#include "image_fixture.hpp"
#include "thrown_error.hpp"

#include <catch2/catch.hpp>

#include <cctype>

#include <sys/stat.h>
#include <unistd.h>

using hpc::ExitCode;
using hpc::site::ConfigFileStatus;
using hpc::site::DefaultBind;
using hpc::site::SiteConfig;
using hpc::site::check_trusted;
using hpc::site::describe;
using hpc::site::load_draft_site_config;
using hpc::site::load_site_config;
using hpc::site::parse_site_config;
using hpc::site::read_site_config_file;

namespace {

SiteConfig parse(std::string_view text) { return parse_site_config(text, "hpc.toml"); }

std::string config_error(std::string_view text) {
    return hpc::test::error_message([&] { parse(text); }, ExitCode::config);
}

using Strings = std::vector<std::string>;

}  // namespace

TEST_CASE("site config: the built-in policy", "[site]") {
    SiteConfig config;
    CHECK(config.binds.default_binds.empty());
    CHECK(config.binds.allow.empty());
    CHECK(config.binds.deny.empty());
    CHECK(config.images.allow_paths.empty());
    CHECK(config.images.allow_formats == Strings{"sif", "squashfs", "dir"});
    CHECK(config.images.allow_owners.empty());
    CHECK(config.fakeroot.allow);
    CHECK(config.fakeroot.allow_without_subuid);
    CHECK(config.network.allow == Strings{"host", "none", "slirp"});
    CHECK(config.network.default_network == "host");
    CHECK(config.mount.share_per_node);
    CHECK(config.mount.share_linger_seconds == 5);
    CHECK(config.oci.mirrors.empty());
    CHECK(config.oci.allow.empty());
    CHECK(config.oci.deny.empty());
    CHECK(config.oci.cache_dir.empty());
    CHECK(config.oci.tag_check_seconds == 60);
}

TEST_CASE("site config: an empty file, or one of comments and empty tables, is the built-in policy", "[site]") {
    CHECK(parse("") == SiteConfig{});
    CHECK(parse("# nothing set\n\n[binds]\n[images]\n[fakeroot]\n[network]\n[mount]\n") == SiteConfig{});
}

TEST_CASE("site config: every key is read", "[site]") {
    SiteConfig config = parse(R"([binds]
default = ["/etc/site.conf", "/opt/tools:/tools", "/data:/data:ro", "/scratch/:/scratch:rw"]
allow = ["/scratch", "/home/", "/data//projects"]
deny = ["/etc/shadow", "/root"]

[images]
allow_paths = ["/apps/images", "/home"]
allow_formats = ["sif"]
allow_owners = ["root", "apps"]

[fakeroot]
allow = false
allow_without_subuid = false

[network]
allow = ["none", "slirp"]
default = "none"

[mount]
share_per_node = false
share_linger = 30
)");
    CHECK(config.binds.default_binds == std::vector<DefaultBind>{{"/etc/site.conf", "/etc/site.conf", false},
                                                                {"/opt/tools", "/tools", false},
                                                                {"/data", "/data", true},
                                                                {"/scratch", "/scratch", false}});
    // Paths are kept lexically normal: trailing and repeated slashes go.
    CHECK(config.binds.allow == Strings{"/scratch", "/home", "/data/projects"});
    CHECK(config.binds.deny == Strings{"/etc/shadow", "/root"});
    CHECK(config.images.allow_paths == Strings{"/apps/images", "/home"});
    CHECK(config.images.allow_formats == Strings{"sif"});
    CHECK(config.images.allow_owners == Strings{"root", "apps"});
    CHECK_FALSE(config.fakeroot.allow);
    CHECK_FALSE(config.fakeroot.allow_without_subuid);
    CHECK(config.network.allow == Strings{"none", "slirp"});
    CHECK(config.network.default_network == "none");
    CHECK_FALSE(config.mount.share_per_node);
    CHECK(config.mount.share_linger_seconds == 30);
}

TEST_CASE("site config: keys left out keep their defaults, dotted keys and inline tables are TOML", "[site]") {
    SiteConfig config = parse("fakeroot.allow = false\nnetwork = { default = \"none\" }\n");
    CHECK_FALSE(config.fakeroot.allow);
    CHECK(config.fakeroot.allow_without_subuid);
    CHECK(config.network.default_network == "none");
    CHECK(config.network.allow == Strings{"host", "none", "slirp"});
}

TEST_CASE("site config: characters this toml++ cannot read safely are refused, with their line", "[site]") {
    // toml++ 3.3 would ask whether they are whitespace and reach code it marks unreachable (found by
    // tests/fuzz's site_config: U+FEBF in a table header, U+0357 alone, U+00B7 in a string, U+FE3F
    // after a NUL), wherever they are.
    auto refused = [](const char* code) {
        return std::string("the character U+") + code + " cannot be read safely by this toml++ (3.3): in a string, write it \\u" + code;
    };
    CHECK(config_error("# policy\n[[\xEF\xBA\xBF soc's\n") == "hpc.toml:2: " + refused("FEBF"));
    CHECK(config_error("\xCD\x97") == "hpc.toml:1: " + refused("0357"));
    CHECK(config_error("\"\"=55\">>>>:>>>>>>\xC2\xB7o@") == "hpc.toml:1: " + refused("00B7"));
    CHECK(config_error("[mount] # Z\xC3\xBCrich\n") == "hpc.toml:1: " + refused("00FC"));
    constexpr char with_nul[] = "[images]\nallow_paths = [\"/a\",\n \"\0\x7f\xEF\xB8\xBF\"]\n";
    CHECK(config_error(std::string(with_nul, sizeof with_nul - 1)) == "hpc.toml:3: " + refused("FE3F"));
    // The escape says the same; characters outside the ranges are read as before.
    CHECK(parse_site_config("[binds]\ndeny = [\"/Z\\u00FCrich\", \"/\xE4\xB8\xAD\"] # \xE3\x80\x80 \xEF\xBB\xBF\n", "hpc.toml")
              .binds.deny == std::vector<std::string>{"/Z\xC3\xBCrich", "/\xE4\xB8\xAD"});
}

TEST_CASE("site config: unknown tables and keys, with file, line and dotted key", "[site]") {
    CHECK(config_error("[binds]\nallow = []\n\n[container]\nx = 1\n") ==
          "hpc.toml:4: container: unknown table (known tables: binds, images, fakeroot, network, mount, mpi, slurm, oci, gpu)");
    CHECK(config_error("verbose = true\n") ==
          "hpc.toml:1: verbose: unknown key (known tables: binds, images, fakeroot, network, mount, mpi, slurm, oci, gpu)");
    CHECK(config_error("[network]\nallow = [\"host\"]\nspeed = 10\n") ==
          "hpc.toml:3: network.speed: unknown key (known: allow, default)");
    CHECK(config_error("[fakeroot]\nallow_without_subuids = true\n") ==
          "hpc.toml:2: fakeroot.allow_without_subuids: unknown key (known: allow, allow_without_subuid)");
    CHECK(config_error("[mount]\n\n\nshare = false\n") ==
          "hpc.toml:4: mount.share: unknown key (known: share_per_node, share_linger)");
    CHECK(config_error("[binds.extra]\n") ==
          "hpc.toml:1: binds.extra: unknown key (known: default, allow, deny)");
}

TEST_CASE("site config: the first mistake in the file is the one reported", "[site]") {
    // toml++ keeps a table's keys sorted; the report follows the file.
    CHECK(config_error("[images]\nzzz = 1\naaa = 2\n") ==
          "hpc.toml:2: images.zzz: unknown key (known: allow_paths, allow_formats, allow_owners)");
}

TEST_CASE("site config: wrong types", "[site]") {
    CHECK(config_error("[network]\nallow = \"host\"\n") ==
          "hpc.toml:2: network.allow: must be a list of strings, not a string");
    CHECK(config_error("[binds]\ndeny = [\"/etc/shadow\",\n  42]\n") ==
          "hpc.toml:3: binds.deny: element 2 must be a string, not an integer");
    CHECK(config_error("[fakeroot]\nallow = \"yes\"\n") == "hpc.toml:2: fakeroot.allow: must be true or false, not a string");
    CHECK(config_error("[mount]\nshare_per_node = 1\n") ==
          "hpc.toml:2: mount.share_per_node: must be true or false, not an integer");
    CHECK(config_error("[mount]\nshare_linger = \"5s\"\n") ==
          "hpc.toml:2: mount.share_linger: must be an integer, not a string");
    CHECK(config_error("[mount]\nshare_linger = 3601\n") ==
          "hpc.toml:2: mount.share_linger: must be from 0 to 3600, not 3601");
    CHECK(config_error("[mount]\nshare_linger = -1\n") ==
          "hpc.toml:2: mount.share_linger: must be from 0 to 3600, not -1");
    CHECK(config_error("[network]\ndefault = [\"host\"]\n") ==
          "hpc.toml:2: network.default: must be a string, not a list");
    CHECK(config_error("network = 5\n") == "hpc.toml:1: network: must be a table, not an integer");
    CHECK(config_error("[[images]]\n") == "hpc.toml:1: images: must be a table, not a list");
    CHECK(config_error("[images]\nallow_owners = [[\"root\"]]\n") ==
          "hpc.toml:2: images.allow_owners: element 1 must be a string, not a list");
}

TEST_CASE("site config: duplicate keys and tables", "[site]") {
    CHECK(config_error("[network]\nallow = [\"host\"]\nallow = [\"none\"]\n") ==
          "hpc.toml:3: network.allow: defined twice");
    CHECK(config_error("[binds]\n[network]\n[binds]\n") == "hpc.toml:3: binds: defined twice");
    CHECK(config_error("fakeroot.allow = true\nfakeroot.allow = false\n") == "hpc.toml:2: fakeroot.allow: defined twice");
}

TEST_CASE("site config: bad TOML is refused with its line", "[site]") {
    CHECK(config_error("[binds]\nallow = [\"/a\"\n\n[network\n") ==
          "hpc.toml:4: bad TOML in array: expected comma or closing ']', saw '['");
    CHECK(config_error("[network\nallow = []\n") == "hpc.toml:1: bad TOML in table header: expected ']', saw '\\n'");
    CHECK(config_error("[mount]\nshare_per_node = maybe\n") ==
          "hpc.toml:2: bad TOML in value: could not determine value type");
    CHECK(config_error("[fakeroot]\nallow = true false\n") ==
          "hpc.toml:2: bad TOML in key-value pair: expected a comment or whitespace, saw 'f'");
}

TEST_CASE("site config: network names, and the default among those allowed", "[site]") {
    CHECK(config_error("[network]\nallow = [\"host\", \"bridge\"]\n") ==
          "hpc.toml:2: network.allow: unknown network 'bridge' (known: host, none, slirp)");
    CHECK(config_error("[network]\ndefault = \"ptp\"\n") ==
          "hpc.toml:2: network.default: unknown network 'ptp' (known: host, none, slirp)");
    CHECK(config_error("[network]\ndefault = \"slirp\"\nallow = [\"host\", \"none\"]\n") ==
          "hpc.toml:2: network.default: 'slirp' is not in network.allow");
    CHECK(config_error("[network]\nallow = [\"none\"]\n") ==
          "hpc.toml:2: network.allow: leaves out the default network 'host' (set network.default)");
    CHECK(config_error("[network]\nallow = []\n") ==
          "hpc.toml:2: network.allow: leaves out the default network 'host' (set network.default)");
}

TEST_CASE("site config: image formats and owners", "[site]") {
    CHECK(config_error("[images]\nallow_formats = [\"sif\", \"ext3\"]\n") ==
          "hpc.toml:2: images.allow_formats: unknown format 'ext3' (known: sif, squashfs, dir)");
    CHECK(config_error("[images]\nallow_owners = [\"\"]\n") == "hpc.toml:2: images.allow_owners: an empty user name");
}

TEST_CASE("site config: paths must be absolute and free of '..'", "[site]") {
    CHECK(config_error("[binds]\nallow = [\"scratch\"]\n") == "hpc.toml:2: binds.allow: 'scratch' is not an absolute path");
    CHECK(config_error("[binds]\ndeny = [\"\"]\n") == "hpc.toml:2: binds.deny: '' is not an absolute path");
    // Issue 14: "\u0000" is a valid TOML escape; a path holding it means one thing here and another to the kernel.
    CHECK(config_error("[binds]\ndeny = [\"/etc\\u0000/x\"]\n") ==
          "hpc.toml:2: binds.deny: a path must not contain a NUL character");
    CHECK(config_error("[slurm]\nstage_directory = \"/local\\u0000\"\n") ==
          "hpc.toml:2: slurm.stage_directory: a path must not contain a NUL character");
    CHECK(config_error("[images]\nallow_paths = [\"/apps/../home\"]\n") ==
          "hpc.toml:2: images.allow_paths: '/apps/../home' must not contain '..'");
    CHECK(config_error("[images]\nallow_paths = [\"/apps/..\"]\n") ==
          "hpc.toml:2: images.allow_paths: '/apps/..' must not contain '..'");
    CHECK(config_error("[slurm]\nstage_directory = \"local\"\n") ==
          "hpc.toml:2: slurm.stage_directory: 'local' is not an absolute path");
}

// One parser for -B and binds.default (common/bind_syntax): the same escapes, the same blanks.
TEST_CASE("site config: default binds read as -B reads one bind", "[site]") {
    SiteConfig config = parse(R"([binds]
default = ['/a\:b:/c\,d:ro', ' /e : /f ', '/g,h']
)");
    CHECK(config.binds.default_binds == std::vector<DefaultBind>{{"/a:b", "/c,d", true},
                                                                {"/e", "/f", false},
                                                                {"/g,h", "/g,h", false}});
    // describe escapes what needs it, so that its output reads back as the same binds.
    std::string text = describe(config);
    CHECK(text.find(R"(default = ["/a\\:b:/c\\,d:ro", "/e:/f", "/g\\,h"])") != std::string::npos);
    CHECK(parse(text) == config);
}

TEST_CASE("site config: malformed default binds", "[site]") {
    CHECK(config_error("[binds]\ndefault = [\"data\"]\n") ==
          "hpc.toml:2: binds.default: 'data': the source 'data' is not an absolute path");
    CHECK(config_error("[binds]\ndefault = [\"/data:data\"]\n") ==
          "hpc.toml:2: binds.default: '/data:data': the destination 'data' is not an absolute path");
    CHECK(config_error("[binds]\ndefault = [\"/data::ro\"]\n") ==
          "hpc.toml:2: binds.default: '/data::ro': the destination '' is not an absolute path");
    CHECK(config_error("[binds]\ndefault = [\"/data:/data:rx\"]\n") ==
          "hpc.toml:2: binds.default: '/data:/data:rx': unknown option 'rx' (ro or rw)");
    CHECK(config_error("[binds]\ndefault = [\"/a:/b:ro:x\"]\n") ==
          "hpc.toml:2: binds.default: '/a:/b:ro:x': too many fields (src[:dst[:ro|rw]])");
}

TEST_CASE("site config: [mpi] takes an MPI it knows and an absolute library path", "[site]") {
    CHECK(parse("[mpi]\ndefault = \"host\"\n").mpi.default_mpi == "host");
    CHECK(parse("[mpi]\nlibrary = \"\"\n").mpi.library.empty());
    CHECK(config_error("[mpi]\ndefault = \"mpich\"\n") ==
          "hpc.toml:2: mpi.default: unknown MPI 'mpich' (known: image, host)");
    CHECK(config_error("[mpi]\ndefault = true\n") == "hpc.toml:2: mpi.default: must be a string, not a boolean");
    CHECK(config_error("[mpi]\nlibrary = \"lib/libmpi.so.40\"\n") ==
          "hpc.toml:2: mpi.library: 'lib/libmpi.so.40' is not an absolute path");
    CHECK(config_error("[mpi]\nprefix = \"/opt\"\n") == "hpc.toml:2: mpi.prefix: unknown key (known: default, library)");
}

TEST_CASE("site config: [oci] mirrors, allow and deny name registries as references do", "[site]") {
    hpc::site::OciPolicy oci = parse(R"([oci]
allow = ["docker.io", "GHCR.io", "127.0.0.1:5000", "localhost:5000", "[::1]:5000"]
deny = ["evil.example.org"]
cache_dir = "/scratch//hpc-cache/"
tag_check_seconds = 0

[oci.mirrors]
"quay.io" = "quay-mirror.site.org"
"Docker.io" = "Mirror.Site.org:5000"
)")
                                 .oci;
    // Sorted by the registry's name, host names in lower case.
    CHECK(oci.mirrors == std::vector<std::pair<std::string, std::string>>{{"docker.io", "mirror.site.org:5000"},
                                                                          {"quay.io", "quay-mirror.site.org"}});
    CHECK(oci.allow == Strings{"docker.io", "ghcr.io", "127.0.0.1:5000", "localhost:5000", "[::1]:5000"});
    CHECK(oci.deny == Strings{"evil.example.org"});
    CHECK(oci.cache_dir == "/scratch/hpc-cache");
    CHECK(oci.tag_check_seconds == 0);
    // An inline table is the same table; describe writes one, and it reads back.
    SiteConfig config = parse("oci.mirrors = { \"docker.io\" = \"m.site.org\", \"ghcr.io\" = \"g.site.org:443\" }\n");
    CHECK(config.oci.mirrors == std::vector<std::pair<std::string, std::string>>{{"docker.io", "m.site.org"},
                                                                                 {"ghcr.io", "g.site.org:443"}});
    std::string text = describe(config);
    CHECK(text.find("mirrors = { \"docker.io\" = \"m.site.org\", \"ghcr.io\" = \"g.site.org:443\" }\n") !=
          std::string::npos);
    CHECK(parse(text) == config);
    CHECK(parse("[oci]\ntag_check_seconds = 86400\ncache_dir = \"\"\n").oci.tag_check_seconds == 86400);
}

TEST_CASE("site config: [oci] mistakes", "[site]") {
    CHECK(config_error("[oci]\nmirror = {}\n") ==
          "hpc.toml:2: oci.mirror: unknown key (known: mirrors, allow, deny, cache_dir, tag_check_seconds)");
    CHECK(config_error("[oci]\nmirrors = [\"docker.io\"]\n") ==
          "hpc.toml:2: oci.mirrors: must be a table of \"registry\" = \"mirror\", not a list");
    CHECK(config_error("[oci.mirrors]\n\"docker.io\" = 5000\n") ==
          "hpc.toml:2: oci.mirrors.\"docker.io\": must be a string, not an integer");
    CHECK(config_error("[oci.mirrors]\n\"docker..io\" = \"m.org\"\n") ==
          "hpc.toml:2: oci.mirrors.\"docker..io\": the registry is not HOST[:PORT]: an empty name component");
    CHECK(config_error("[oci.mirrors]\n\"https://docker.io\" = \"m.org\"\n") ==
          "hpc.toml:2: oci.mirrors.\"https://docker.io\": the registry is not HOST[:PORT]: "
          "a URL, not a host name (write the host alone)");
    CHECK(config_error("[oci.mirrors]\n\"docker.io\" = \"m.org:0\"\n") ==
          "hpc.toml:2: oci.mirrors.\"docker.io\": 'm.org:0' is not HOST[:PORT]: port '0' is not a number from 1 to 65535");
    CHECK(config_error("[oci.mirrors]\n\"docker.io\" = \"m.org/v2\"\n") ==
          "hpc.toml:2: oci.mirrors.\"docker.io\": 'm.org/v2' is not HOST[:PORT]: '/' in the host name");
    CHECK(config_error("[oci.mirrors]\n\"docker.io\" = \"m.org\"\n\"DOCKER.IO\" = \"n.org\"\n") ==
          "hpc.toml:3: oci.mirrors.\"DOCKER.IO\": the same registry as another key of oci.mirrors, in another case");
    CHECK(config_error("[oci]\nallow = [\"ghcr.io\", \"\"]\n") ==
          "hpc.toml:2: oci.allow: '' is not HOST[:PORT]: no host name");
    CHECK(config_error("[oci]\ndeny = [\"-bad.org\"]\n") ==
          "hpc.toml:2: oci.deny: '-bad.org' is not HOST[:PORT]: a name component starts or ends with '-'");
    CHECK(config_error("[oci]\ndeny = [\"[fe80::1\"]\n") ==
          "hpc.toml:2: oci.deny: '[fe80::1' is not HOST[:PORT]: '[' without ']'");
    CHECK(config_error("[oci]\ndeny = [\"[zz]\"]\n") ==
          "hpc.toml:2: oci.deny: '[zz]' is not HOST[:PORT]: not an IPv6 address in brackets");
    CHECK(config_error("[oci]\ndeny = \"docker.io\"\n") ==
          "hpc.toml:2: oci.deny: must be a list of strings, not a string");
    CHECK(config_error("[oci]\ncache_dir = \"cache\"\n") ==
          "hpc.toml:2: oci.cache_dir: 'cache' is not an absolute path");
    CHECK(config_error("[oci]\ncache_dir = \"/a/../b\"\n") ==
          "hpc.toml:2: oci.cache_dir: '/a/../b' must not contain '..'");
    CHECK(config_error("[oci]\ncache_dir = false\n") == "hpc.toml:2: oci.cache_dir: must be a string, not a boolean");
    CHECK(config_error("[oci]\ntag_check_seconds = -1\n") ==
          "hpc.toml:2: oci.tag_check_seconds: must be from 0 to 86400, not -1");
    CHECK(config_error("[oci]\ntag_check_seconds = 86401\n") ==
          "hpc.toml:2: oci.tag_check_seconds: must be from 0 to 86400, not 86401");
    CHECK(config_error("[oci]\ntag_check_seconds = 1.5\n") ==
          "hpc.toml:2: oci.tag_check_seconds: must be an integer, not a number");
    CHECK(config_error("[oci]\ntag_check_seconds = \"60\"\n") ==
          "hpc.toml:2: oci.tag_check_seconds: must be an integer, not a string");
}

TEST_CASE("site config: describe shows every key, defaults included, as TOML that reads back", "[site]") {
    CHECK(describe(SiteConfig{}) == R"([binds]
default = []
allow = []
deny = []

[images]
allow_paths = []
allow_formats = ["sif", "squashfs", "dir"]
allow_owners = []

[fakeroot]
allow = true
allow_without_subuid = true

[network]
allow = ["host", "none", "slirp"]
default = "host"

[mount]
share_per_node = true
share_linger = 5

[mpi]
default = "image"
library = ""

[slurm]
stage_directory = ""

[oci]
mirrors = {}
allow = []
deny = []
cache_dir = ""
tag_check_seconds = 60

[gpu]
nvidia_libraries = ["libcuda.so", "libcudadebugger.so", "libnvidia-ml.so", "libnvidia-ptxjitcompiler.so", "libnvidia-nvvm.so", "libnvidia-opencl.so", "libnvidia-encode.so", "libnvcuvid.so", "libnvidia-opticalflow.so", "libnvidia-compiler.so", "libnvidia-fatbinaryloader.so", "libnvidia-cfg.so", "libnvidia-allocator.so", "libnvidia-gpucomp.so", "libnvidia-pkcs11.so", "libnvidia-pkcs11-openssl3.so", "libnvidia-cbl.so", "libnvidia-rtcore.so", "libnvoptix.so", "libnvidia-ngx.so", "libnvidia-fbc.so", "libnvidia-ifr.so", "libnvidia-tls.so", "libnvidia-glcore.so", "libnvidia-glsi.so", "libnvidia-glvkspirv.so", "libnvidia-eglcore.so", "libnvidia-egl-wayland.so", "libnvidia-egl-gbm.so", "libnvidia-wfb.so", "libEGL_nvidia.so", "libGLESv1_CM_nvidia.so", "libGLESv2_nvidia.so", "libGLX_nvidia.so", "libvdpau_nvidia.so", "libEGL.so", "libGLESv1_CM.so", "libGLESv2.so", "libGL.so", "libGLX.so", "libGLdispatch.so", "libOpenGL.so", "libOpenCL.so"]
nvidia_programs = ["nvidia-smi", "nvidia-debugdump", "nvidia-persistenced", "nvidia-cuda-mps-control", "nvidia-cuda-mps-server"]
rocm_libraries = ["libamdhip64.so", "libamd_comgr.so", "libcomgr.so", "libhsa-runtime64.so", "libhsakmt.so", "libhc_am.so", "libhip_hcc.so", "libhipblas.so", "libhiprand.so", "libmcwamp.so", "libmcwamp_cpu.so", "libmcwamp_hsa.so", "libmiopengemm.so", "libMIOpen.so", "librccl.so", "librocblas.so", "librocfft-device.so", "librocfft.so", "librocrand.so", "librocr_debug_agent64.so", "libCXLActivityLogger.so", "libdrm.so", "libdrm_amdgpu.so", "libelf.so", "libnuma.so", "libpci.so", "libamdcomgr64.so", "libamdocl64.so", "libcltrace.so", "libOpenCL.so"]
rocm_programs = ["rocm-smi", "rocminfo"]
require_driver = false
cdi_directories = ["/etc/cdi", "/var/run/cdi"]
)");
    SiteConfig config = parse(R"(binds.default = ["/a", "/b:/c", "/d:/d:ro"]
binds.deny = ["/odd\"name\\"]
images.allow_owners = ["apps"]
fakeroot.allow_without_subuid = false
network = { allow = ["none"], default = "none" }
mount.share_per_node = false
mpi = { default = "host", library = "/opt/ompi//lib/libmpi.so.40" }
slurm.stage_directory = "/local/hpc/"
)");
    CHECK(config.mpi.library == "/opt/ompi/lib/libmpi.so.40");
    CHECK(config.slurm.stage_directory == "/local/hpc");
    std::string text = describe(config);
    CHECK(text.find("default = [\"/a\", \"/b:/c\", \"/d:/d:ro\"]\n") != std::string::npos);
    CHECK(text.find("deny = [\"/odd\\\"name\\\\\"]\n") != std::string::npos);
    CHECK(parse(text) == config);
}

TEST_CASE("site config file: only root, or an owner the caller trusts, and nobody else writing", "[site]") {
    auto refusal = [](ConfigFileStatus status, std::optional<uid_t> also_trusted = std::nullopt) {
        return hpc::test::error_message([&] { check_trusted("/etc/hpc/hpc.toml", status, also_trusted); },
                                        ExitCode::config);
    };
    CHECK_NOTHROW(check_trusted("/etc/hpc/hpc.toml", {true, 0, S_IFREG | 0644}));
    CHECK_NOTHROW(check_trusted("/etc/hpc/hpc.toml", {true, 0, S_IFREG | 0600}));
    CHECK(refusal({true, 1000, S_IFREG | 0666}) ==
          "/etc/hpc/hpc.toml: must be owned by root and not writable by group or others (owner uid 1000, mode 0666)");
    CHECK(refusal({true, 1000, S_IFREG | 0644}) ==
          "/etc/hpc/hpc.toml: must be owned by root and not writable by group or others (owner uid 1000, mode 0644)");
    CHECK(refusal({true, 0, S_IFREG | 0664}) ==
          "/etc/hpc/hpc.toml: must be owned by root and not writable by group or others (owner uid 0, mode 0664)");
    CHECK(refusal({true, 0, S_IFREG | 0646}).ends_with("(owner uid 0, mode 0646)"));
    CHECK(refusal({false, 0, S_IFDIR | 0755}) == "/etc/hpc/hpc.toml: not a regular file");
    // A draft's own owner is trusted only when the caller says so, and still not group-writable.
    CHECK_NOTHROW(check_trusted("/etc/hpc/hpc.toml", {true, 1000, S_IFREG | 0644}, 1000));
    CHECK(refusal({true, 1000, S_IFREG | 0664}, 1000) ==
          "/etc/hpc/hpc.toml: must be owned by root or uid 1000 and not writable by group or others "
          "(owner uid 1000, mode 0664)");
    CHECK(refusal({true, 1001, S_IFREG | 0644}, 1000).ends_with("(owner uid 1001, mode 0644)"));
}

TEST_CASE("site config file: absent is the built-in policy, present is checked, then parsed", "[site]") {
    hpc::test::TempDir dir("hpc-site");
    std::string path = dir.path() + "/hpc.toml";
    CHECK(load_site_config(path) == SiteConfig{});
    CHECK_FALSE(read_site_config_file(path).has_value());

    hpc::test::write_host_file(path, "[fakeroot]\nallow = false\n", 0644);
    // The test's own files belong to whoever runs it: trust that owner as a draft's would be.
    SiteConfig config = load_site_config(path, ::geteuid());
    CHECK_FALSE(config.fakeroot.allow);
    CHECK(load_draft_site_config(path) == config);
    if (::geteuid() != 0)
        CHECK(hpc::test::error_message([&] { load_site_config(path); }, ExitCode::config) ==
              path + ": must be owned by root and not writable by group or others (owner uid " +
                  std::to_string(::geteuid()) + ", mode 0644)");

    REQUIRE(::chmod(path.c_str(), 0664) == 0);
    CHECK(hpc::test::error_message([&] { load_site_config(path, ::geteuid()); }, ExitCode::config)
              .ends_with("not writable by group or others (owner uid " + std::to_string(::geteuid()) +
                         ", mode 0664)"));
    CHECK(hpc::test::error_message([&] { load_draft_site_config(path); }, ExitCode::config)
              .ends_with(", mode 0664)"));

    REQUIRE(::chmod(path.c_str(), 0644) == 0);
    hpc::test::write_host_file(path, "[fakeroot]\nallow = 0\n", 0644);
    CHECK(hpc::test::error_message([&] { load_site_config(path, ::geteuid()); }, ExitCode::config) ==
          path + ":2: fakeroot.allow: must be true or false, not an integer");

    CHECK(hpc::test::error_message([&] { load_site_config(dir.path(), ::geteuid()); }, ExitCode::config) ==
          dir.path() + ": not a regular file");
    CHECK(hpc::test::error_message([&] { load_draft_site_config(dir.path() + "/missing.toml"); },
                                   ExitCode::no_input) == dir.path() + "/missing.toml: no such file");
}

TEST_CASE("site config file: the path is the one compiled in", "[site]") {
    CHECK(hpc::site::site_config_path() == HPC_SITE_CONFIG_PATH);
}

TEST_CASE("site config: the shipped hpc.toml shows every key at its default", "[site]") {
    std::string example = hpc::test::read_host_file(HPC_EXAMPLE_SITE_CONFIG);
    CHECK(parse(example) == SiteConfig{});  // as shipped, it changes nothing
    // Its commented-out settings ("#key = value"), made live, are the built-in policy too, all of it.
    std::string live;
    int settings = 0;
    for (size_t start = 0; start < example.size();) {
        size_t end = std::min(example.find('\n', start), example.size());
        std::string line = example.substr(start, end - start);
        if (line.size() > 1 && line[0] == '#' && std::isalpha(static_cast<unsigned char>(line[1])) &&
            line.find(" = ") != std::string::npos) {
            line.erase(0, 1);
            ++settings;
        } else if (line.starts_with("#    \"")) {
            line.erase(0, 1);  // a long list's next line
        }
        live += line + "\n";
        start = end + 1;
    }
    CHECK(settings == 26);  // binds 3, images 3, fakeroot 2, network 2, mount 2, mpi 2, slurm 1, oci 5, gpu 6
    CHECK(parse(live) == SiteConfig{});
    CHECK(describe(parse(live)) == describe(SiteConfig{}));
}
