#include "common/path_in_root.hpp"

#include "common/error.hpp"

#include <cerrno>
#include <vector>

namespace hpc {
namespace {

constexpr int max_symlinks = 40;  // the kernel's MAXSYMLINKS

std::vector<std::string_view> split_components(std::string_view path) {
    std::vector<std::string_view> parts;
    size_t start = 0;
    while (start <= path.size()) {
        size_t end = path.find('/', start);
        if (end == std::string_view::npos) end = path.size();
        std::string_view part = path.substr(start, end - start);
        if (!part.empty() && part != ".") parts.push_back(part);
        start = end + 1;
    }
    return parts;
}

void drop_last_component(std::string& resolved) {
    size_t slash = resolved.rfind('/');
    resolved.erase(slash == 0 ? 1 : slash);
}

void append_component(std::string& resolved, std::string_view name) {
    if (resolved.size() > 1) resolved += '/';
    resolved += name;
}

// Pushes the components of `path` so that the first one is walked next.
void push_front_of_walk(std::vector<std::string>& pending, std::string_view path) {
    std::vector<std::string_view> parts = split_components(path);
    for (auto part = parts.rbegin(); part != parts.rend(); ++part) pending.emplace_back(*part);
}

}  // namespace

std::string normalize_absolute(std::string_view path) {
    std::string resolved = "/";
    for (std::string_view part : split_components(path)) {
        if (part == "..")
            drop_last_component(resolved);
        else
            append_component(resolved, part);
    }
    return resolved;
}

std::string resolve_in_root(std::string_view path, const ReadLinkInRoot& read_link) {
    std::vector<std::string> pending;  // what is left to walk; the back is walked next
    push_front_of_walk(pending, path);

    std::string resolved = "/";
    int links_followed = 0;
    while (!pending.empty()) {
        std::string part = std::move(pending.back());
        pending.pop_back();
        if (part == "..") {
            drop_last_component(resolved);
            continue;
        }
        std::string candidate = resolved;
        append_component(candidate, part);
        std::optional<std::string> target = read_link(candidate);
        if (!target) {
            resolved = std::move(candidate);
            continue;
        }
        if (++links_followed > max_symlinks)
            throw Error(ExitCode::data, std::string(path) + ": too many levels of symbolic links", ELOOP);
        // assign(1, ...) rather than = "/": GCC 12 warns falsely (-Wrestrict) on the latter.
        if (!target->empty() && target->front() == '/') resolved.assign(1, '/');
        push_front_of_walk(pending, *target);
    }
    return resolved;
}

std::string absolute_from(std::string_view cwd, std::string_view path) {
    if (!path.empty() && path.front() == '/') return normalize_absolute(path);
    return normalize_absolute(std::string(cwd) + "/" + std::string(path));
}

}  // namespace hpc
