// ELF objects (mpi/elf_object.hpp) as --mpi host reads the libraries of the host and the image:
// class, machine, dynamic section, needed libraries, run paths, version definitions.
#include "fuzz_input.hpp"
#include "mpi/elf_object.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
    std::string_view bytes = hpc::fuzz::text_of(data, size);
    if (!hpc::mpi::looks_like_elf(bytes)) return 0;
    hpc::fuzz::refused_or_parsed([&] { (void)hpc::mpi::read_elf_object(bytes, "fuzz.so"); });
    return 0;
}
