#include "mpi/system_libraries.hpp"

#include <algorithm>
#include <array>
#include <string>

namespace hpc::mpi {
namespace {

// The libraries glibc itself installs (its Versions files), by SONAME.
constexpr std::array glibc_names = {"libc.so.6",          "libm.so.6",      "libpthread.so.0",  "libdl.so.2",
                                    "librt.so.1",         "libresolv.so.2", "libutil.so.1",     "libanl.so.1",
                                    "libnsl.so.1",        "libmvec.so.1",   "libthread_db.so.1", "libBrokenLocale.so.1",
                                    "libc_malloc_debug.so.0"};

constexpr std::array runtime_stems = {"libstdc++.so.", "libgcc_s.so.", "libgfortran.so.", "libgomp.so.",
                                      "libatomic.so.", "libquadmath.so."};

// "GLIBC_2.34" -> {2, 34}; empty for a name without a dotted number after its '_'.
std::vector<unsigned long> version_numbers(std::string_view version) {
    std::vector<unsigned long> numbers;
    size_t underscore = version.rfind('_');
    if (underscore == std::string_view::npos) return numbers;
    std::string_view rest = version.substr(underscore + 1);
    while (!rest.empty()) {
        size_t dot = std::min(rest.find('.'), rest.size());
        std::string_view part = rest.substr(0, dot);
        if (part.empty() || part.size() > 9 || !std::all_of(part.begin(), part.end(), [](char c) { return c >= '0' && c <= '9'; }))
            return {};
        numbers.push_back(std::stoul(std::string(part)));
        rest = dot == rest.size() ? std::string_view() : rest.substr(dot + 1);
    }
    return numbers;
}

}  // namespace

bool is_glibc_library(std::string_view name) {
    if (std::find(glibc_names.begin(), glibc_names.end(), name) != glibc_names.end()) return true;
    // The dynamic loader (ld-linux-x86-64.so.2, ld-linux-aarch64.so.1, ld64.so.2) and the NSS modules.
    return name.starts_with("ld-linux") || name.starts_with("ld64.so.") || name.starts_with("libnss_");
}

bool is_compiler_runtime(std::string_view name) {
    return std::any_of(runtime_stems.begin(), runtime_stems.end(),
                       [&](std::string_view stem) { return name.starts_with(stem); });
}

std::string_view newest_version(const std::vector<std::string>& versions) {
    std::string_view newest;
    std::vector<unsigned long> newest_numbers;
    for (const std::string& version : versions) {
        std::vector<unsigned long> numbers = version_numbers(version);
        if (!numbers.empty() && (newest.empty() || numbers > newest_numbers)) {
            newest = version;
            newest_numbers = std::move(numbers);
        }
    }
    return newest;
}

}  // namespace hpc::mpi
