// What every fuzz target shares: the input as text, and the one outcome a parser may end in
// besides success. An hpc::Error is the parser refusing the input, as it should; anything else
// escaping (another exception, a crash, a sanitizer's report, a hang) is a defect libFuzzer keeps.
#pragma once

#include "common/error.hpp"

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace hpc::fuzz {

inline std::string_view text_of(const uint8_t* data, std::size_t size) {
    return {reinterpret_cast<const char*>(data), size};
}

// Runs `parse`; an hpc::Error it throws is a refusal, and ends the input's run.
template <typename Parse>
void refused_or_parsed(Parse&& parse) {
    try {
        parse();
    } catch (const Error&) {
    }
}

}  // namespace hpc::fuzz
