// The loader's cache (mpi/ld_so_cache.hpp), as --mpi host and --nv read the host's and the image's.
#include "fuzz_input.hpp"
#include "mpi/ld_so_cache.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
    hpc::fuzz::refused_or_parsed([&] { (void)hpc::mpi::parse_ld_so_cache(hpc::fuzz::text_of(data, size), "fuzz.cache"); });
    return 0;
}
