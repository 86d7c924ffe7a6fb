// The one file that includes libelf. Sections are found by type (SHT_DYNAMIC, SHT_DYNSYM,
// SHT_GNU_verneed, SHT_GNU_verdef), as a stripped library keeps them all; libelf checks each
// section against the end of the buffer, and every walk here is bounded by the counts the
// section header gives, so a hostile image's "library" cannot make it loop or read past.
#include "mpi/elf_object.hpp"

#include "common/error.hpp"

#include <gelf.h>
#include <libelf.h>

#include <algorithm>
#include <memory>

namespace hpc::mpi {
namespace {

struct ElfEnd {
    void operator()(Elf* elf) const { ::elf_end(elf); }
};
using ElfHandle = std::unique_ptr<Elf, ElfEnd>;

constexpr size_t max_named_paths = 4096;
// A library's own strings come early in .rodata (libpmix's directories at 80 KiB); a library
// whose .rodata is mostly data (libicudata's 30 MiB) is not read to its end for them.
constexpr size_t max_named_path_scan = size_t{1} << 20;
constexpr size_t max_path_length = 4096;

[[noreturn]] void corrupt(const std::string& name, std::string_view what) {
    throw Error(ExitCode::data, name + ": " + std::string(what) + " (" + ::elf_errmsg(-1) + ")");
}

void initialise_libelf() {
    static const bool ready = ::elf_version(EV_CURRENT) != EV_NONE;
    if (!ready) throw Error(ExitCode::software, "libelf: version EV_CURRENT is not supported");
}

std::string string_at(Elf* elf, size_t table, size_t offset) {
    const char* text = ::elf_strptr(elf, table, offset);
    return text ? text : "";
}

std::vector<std::string> split_path_list(const std::string& list) {
    std::vector<std::string> parts;
    size_t start = 0;
    while (start <= list.size()) {
        size_t colon = std::min(list.find(':', start), list.size());
        if (colon > start) parts.push_back(list.substr(start, colon - start));
        start = colon + 1;
    }
    return parts;
}

void read_dynamic(Elf* elf, Elf_Scn* section, const GElf_Shdr& header, ElfObject& object) {
    Elf_Data* data = ::elf_getdata(section, nullptr);
    if (!data || header.sh_entsize == 0) return;
    size_t count = header.sh_size / header.sh_entsize;
    for (size_t index = 0; index < count; ++index) {
        GElf_Dyn entry;
        if (!::gelf_getdyn(data, static_cast<int>(index), &entry) || entry.d_tag == DT_NULL) break;
        auto text = [&] { return string_at(elf, header.sh_link, entry.d_un.d_val); };
        switch (entry.d_tag) {
        case DT_SONAME: object.soname = text(); break;
        case DT_NEEDED: object.needed.push_back(text()); break;
        case DT_RPATH: object.rpath = split_path_list(text()); break;
        case DT_RUNPATH: object.runpath = split_path_list(text()); break;
        default: break;
        }
    }
}

void read_symbols(Elf* elf, Elf_Scn* section, const GElf_Shdr& header, const ElfReadOptions& options,
                  ElfObject& object) {
    if (options.wanted_symbols.empty()) return;
    Elf_Data* data = ::elf_getdata(section, nullptr);
    if (!data || header.sh_entsize == 0) return;
    size_t count = header.sh_size / header.sh_entsize;
    for (size_t index = 0; index < count && object.defined_symbols.size() < options.wanted_symbols.size(); ++index) {
        GElf_Sym symbol;
        if (!::gelf_getsym(data, static_cast<int>(index), &symbol) || symbol.st_shndx == SHN_UNDEF) continue;
        std::string name = string_at(elf, header.sh_link, symbol.st_name);
        bool wanted = std::find(options.wanted_symbols.begin(), options.wanted_symbols.end(), name) !=
                      options.wanted_symbols.end();
        if (wanted && std::find(object.defined_symbols.begin(), object.defined_symbols.end(), name) ==
                          object.defined_symbols.end())
            object.defined_symbols.push_back(name);
    }
}

void read_version_needs(Elf* elf, Elf_Scn* section, const GElf_Shdr& header, ElfObject& object) {
    Elf_Data* data = ::elf_getdata(section, nullptr);
    if (!data) return;
    size_t offset = 0;
    for (size_t file = 0; file < header.sh_info; ++file) {
        GElf_Verneed need;
        if (!::gelf_getverneed(data, static_cast<int>(offset), &need)) break;
        std::string file_name = string_at(elf, header.sh_link, need.vn_file);
        size_t aux_offset = offset + need.vn_aux;
        for (size_t index = 0; index < need.vn_cnt; ++index) {
            GElf_Vernaux aux;
            if (!::gelf_getvernaux(data, static_cast<int>(aux_offset), &aux)) break;
            object.version_needs.push_back({file_name, string_at(elf, header.sh_link, aux.vna_name)});
            if (aux.vna_next == 0) break;
            aux_offset += aux.vna_next;
        }
        if (need.vn_next == 0) break;
        offset += need.vn_next;
    }
}

void read_version_definitions(Elf* elf, Elf_Scn* section, const GElf_Shdr& header, ElfObject& object) {
    Elf_Data* data = ::elf_getdata(section, nullptr);
    if (!data) return;
    size_t offset = 0;
    for (size_t index = 0; index < header.sh_info; ++index) {
        GElf_Verdef definition;
        if (!::gelf_getverdef(data, static_cast<int>(offset), &definition)) break;
        GElf_Verdaux aux;
        // VER_FLG_BASE is the object's own name ("libc.so.6"), not a version others need.
        if ((definition.vd_flags & VER_FLG_BASE) == 0 &&
            ::gelf_getverdaux(data, static_cast<int>(offset + definition.vd_aux), &aux))
            object.version_definitions.push_back(string_at(elf, header.sh_link, aux.vda_name));
        if (definition.vd_next == 0) break;
        offset += definition.vd_next;
    }
}

bool is_path_character(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '/' || c == '.' ||
           c == '_' || c == '-' || c == '+';
}

// A library's compiled-in directories (where it dlopens its plugins from, or reads its data)
// are string constants: every NUL-terminated string in .rodata that looks like an absolute path.
void read_named_paths(Elf_Scn* section, ElfObject& object) {
    Elf_Data* data = ::elf_getdata(section, nullptr);
    if (!data || !data->d_buf) return;
    std::string_view text(static_cast<const char*>(data->d_buf), std::min(data->d_size, max_named_path_scan));
    // From one '/' to the next: far fewer than the strings, so a library's .rodata is crossed
    // in a few large steps (a string at a time cost a third of a --mpi host launch).
    for (size_t slash = text.find('/'); slash != std::string_view::npos && object.named_paths.size() < max_named_paths;
         slash = text.find('/', slash + 1)) {
        if (slash > 0 && text[slash - 1] != '\0') continue;  // not where a string starts
        size_t end = text.find('\0', slash);
        if (end == std::string_view::npos) break;
        std::string_view candidate = text.substr(slash, end - slash);
        if (candidate.size() > 1 && candidate.size() < max_path_length &&
            std::all_of(candidate.begin(), candidate.end(), is_path_character))
            object.named_paths.emplace_back(candidate);
        slash = end;
    }
}

}  // namespace

bool looks_like_elf(std::string_view bytes) { return bytes.size() >= SELFMAG && bytes.substr(0, SELFMAG) == ELFMAG; }

ElfObject read_elf_object(std::string_view bytes, const std::string& name, const ElfReadOptions& options) {
    initialise_libelf();
    if (!looks_like_elf(bytes)) throw Error(ExitCode::data, name + ": not an ELF file");
    // elf_memory's buffer is not const, but an object only read (ELF_C_READ_MMAP_PRIVATE, in
    // the host's byte order) is never written to.
    ElfHandle elf(::elf_memory(const_cast<char*>(bytes.data()), bytes.size()));
    if (!elf || ::elf_kind(elf.get()) != ELF_K_ELF) corrupt(name, "not an ELF object libelf can read");
    GElf_Ehdr file_header;
    if (!::gelf_getehdr(elf.get(), &file_header)) corrupt(name, "bad ELF header");
    if (file_header.e_type != ET_DYN && file_header.e_type != ET_EXEC)
        throw Error(ExitCode::data, name + ": not a shared object or program");

    ElfObject object;
    object.machine = file_header.e_machine;
    object.is_64_bit = ::gelf_getclass(elf.get()) == ELFCLASS64;
    size_t section_names = 0;
    if (options.named_paths && ::elf_getshdrstrndx(elf.get(), &section_names) != 0) corrupt(name, "bad section names");
    for (Elf_Scn* section = ::elf_nextscn(elf.get(), nullptr); section; section = ::elf_nextscn(elf.get(), section)) {
        GElf_Shdr header;
        if (!::gelf_getshdr(section, &header)) corrupt(name, "bad section header");
        switch (header.sh_type) {
        case SHT_DYNAMIC: read_dynamic(elf.get(), section, header, object); break;
        case SHT_DYNSYM: read_symbols(elf.get(), section, header, options, object); break;
        case SHT_GNU_verneed: read_version_needs(elf.get(), section, header, object); break;
        case SHT_GNU_verdef: read_version_definitions(elf.get(), section, header, object); break;
        case SHT_PROGBITS:
            if (options.named_paths && string_at(elf.get(), section_names, header.sh_name) == ".rodata")
                read_named_paths(section, object);
            break;
        default: break;
        }
    }
    return object;
}

}  // namespace hpc::mpi
