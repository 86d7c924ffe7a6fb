// What the dynamic loader reads of a shared object, and what the bind model must know of it:
// its SONAME, the libraries it needs and where it says to look for them, the symbol versions
// it needs (GLIBC_2.34 of libc.so.6) and defines, and whether it defines given symbols.
// Read with elfutils' libelf from bytes in memory, so a host file and a file inside an
// unmounted image are read alike.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace hpc::mpi {

// One symbol version an object needs from a library: {"libc.so.6", "GLIBC_2.34"}.
struct VersionNeed {
    std::string file;
    std::string version;

    bool operator==(const VersionNeed&) const = default;
    auto operator<=>(const VersionNeed&) const = default;
};

struct ElfObject {
    unsigned machine = 0;  // e_machine: EM_X86_64, EM_AARCH64, ...
    bool is_64_bit = false;
    std::string soname;                  // DT_SONAME; empty for a program or a plugin without one
    std::vector<std::string> needed;     // DT_NEEDED, in order
    std::vector<std::string> rpath;      // DT_RPATH, split at ':' ($ORIGIN left as written)
    std::vector<std::string> runpath;    // DT_RUNPATH, likewise
    std::vector<VersionNeed> version_needs;       // .gnu.version_r
    std::vector<std::string> version_definitions;  // .gnu.version_d, the object's own name left out
    std::vector<std::string> defined_symbols;      // those of `wanted_symbols` it defines (.dynsym)
    std::vector<std::string> named_paths;  // absolute paths among .rodata's strings, when asked for
};

struct ElfReadOptions {
    std::vector<std::string> wanted_symbols;  // which dynamic symbols to look for
    bool named_paths = false;                 // collect the absolute paths in .rodata
};

// Throws hpc::Error(data) "<name>: <cause>" when `bytes` is not an ELF shared object or
// executable that libelf can read (truncated, corrupt, or not ELF at all).
ElfObject read_elf_object(std::string_view bytes, const std::string& name, const ElfReadOptions& options = {});

// Whether `bytes` start like an ELF file: cheap, for telling a linker script (libc.so is
// text) from a library before reading it.
bool looks_like_elf(std::string_view bytes);

}  // namespace hpc::mpi
