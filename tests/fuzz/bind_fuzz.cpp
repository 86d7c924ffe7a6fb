// -B and --mount syntax (common/bind_syntax.hpp, sandbox/plan/bind_spec.hpp) on any text: the
// list split, each field, and the specs the planner is given.
#include "common/bind_syntax.hpp"
#include "fuzz_input.hpp"
#include "sandbox/plan/bind_spec.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
    std::string_view text = hpc::fuzz::text_of(data, size);
    hpc::fuzz::refused_or_parsed([&] {
        for (const std::string& bind : hpc::split_bind_list(text))
            if (std::optional<hpc::BindFields> fields = hpc::parse_bind(bind)) (void)hpc::escape_bind_field(fields->source);
    });
    hpc::fuzz::refused_or_parsed([&] { (void)hpc::sandbox::parse_bind_list(text); });
    hpc::fuzz::refused_or_parsed([&] { (void)hpc::sandbox::parse_mount_list(text); });
    return 0;
}
