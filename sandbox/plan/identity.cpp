#include "sandbox/plan/identity.hpp"

#include "common/error.hpp"
#include "common/text.hpp"

#include <charconv>
#include <optional>

namespace hpc::sandbox {
namespace {

std::string join_lines(const std::vector<std::string>& lines) {
    std::string text;
    for (const std::string& line : lines) {
        text += line;
        text += '\n';
    }
    return text;
}

// Field `index` of a colon-separated line, or nullopt when the line has fewer fields.
std::optional<std::string_view> field(std::string_view line, size_t index) {
    size_t start = 0;
    for (size_t i = 0; i < index; ++i) {
        size_t colon = line.find(':', start);
        if (colon == std::string_view::npos) return std::nullopt;
        start = colon + 1;
    }
    size_t end = line.find(':', start);
    return line.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start);
}

std::optional<uint32_t> numeric_field(std::string_view line, size_t index) {
    std::optional<std::string_view> text = field(line, index);
    if (!text || text->empty()) return std::nullopt;
    uint32_t value = 0;
    auto [end, error] = std::from_chars(text->data(), text->data() + text->size(), value);
    if (error != std::errc() || end != text->data() + text->size()) return std::nullopt;
    return value;
}

// A comment or a line too short to be an entry is kept as it is and never matches.
bool is_entry(std::string_view line) { return !line.empty() && line.front() != '#' && field(line, 2); }

// The user's fields come from the host's user database; one that would break the line
// apart cannot be written faithfully, and guessing would give the user someone else's id.
void check_field(std::string_view what, std::string_view value) {
    if (value.find_first_of(":\n") != std::string_view::npos)
        throw Error(ExitCode::data,
                    "cannot write the user's passwd entry: the " + std::string(what) + " '" +
                        std::string(value) + "' contains ':' or a newline");
}

// The comment field is free text: a colon or newline in it becomes a space.
std::string clean_gecos(std::string_view gecos) {
    std::string clean(gecos);
    for (char& c : clean)
        if (c == ':' || c == '\n') c = ' ';
    return clean;
}

bool has_member(std::string_view members, std::string_view name) {
    size_t start = 0;
    while (start <= members.size()) {
        size_t comma = members.find(',', start);
        if (comma == std::string_view::npos) comma = members.size();
        if (members.substr(start, comma - start) == name) return true;
        start = comma + 1;
    }
    return false;
}

// "name:x:gid:a,b" gains `user` as a member unless it is one already.
std::string with_member(const std::string& line, std::string_view user) {
    std::optional<std::string_view> members = field(line, 3);
    if (!members) return line + ":" + std::string(user);  // "name:x:gid": no member field yet
    if (has_member(*members, user)) return line;
    // The member list is the fourth field; anything after it (there should be nothing) stays.
    size_t members_end = static_cast<size_t>(members->data() - line.data()) + members->size();
    std::string updated = line.substr(0, members_end);
    if (!members->empty()) updated += ',';
    updated += user;
    updated += line.substr(members_end);
    return updated;
}

}  // namespace

std::string passwd_with_user(std::string_view image_passwd, const UserIdentity& user,
                             std::string_view home_in_container, bool shell_exists_in_image) {
    check_field("user name", user.name);
    check_field("home directory", home_in_container);
    std::string shell = shell_exists_in_image && !user.shell.empty() ? user.shell : "/bin/sh";
    check_field("shell", shell);

    std::string own = user.name + ":x:" + std::to_string(user.uid) + ":" + std::to_string(user.gid) + ":" +
                      clean_gecos(user.gecos) + ":" + std::string(home_in_container) + ":" + shell;

    std::vector<std::string> lines;
    bool written = false;
    for (std::string_view line : split_lines(image_passwd)) {
        bool same_user =
            is_entry(line) && (field(line, 0) == std::string_view(user.name) || numeric_field(line, 2) == user.uid);
        if (!same_user) {
            lines.emplace_back(line);
        } else if (!written) {
            // In place, so that the order of the image's entries stays as it was.
            lines.push_back(own);
            written = true;
        }
        // A second line for the same name or uid would make lookups disagree: it goes.
    }
    if (!written) lines.push_back(own);
    return join_lines(lines);
}

std::string group_with_user(std::string_view image_group, const UserIdentity& user,
                            const std::vector<GroupEntry>& groups) {
    check_field("user name", user.name);
    std::vector<std::string_view> image_lines = split_lines(image_group);
    std::vector<std::string> lines(image_lines.begin(), image_lines.end());
    for (const GroupEntry& group : groups) {
        check_field("group name", group.name);
        bool found = false;
        for (std::string& line : lines) {
            if (is_entry(line) && numeric_field(line, 2) == group.gid) {
                line = with_member(line, user.name);
                found = true;
                break;
            }
        }
        if (!found) lines.push_back(group.name + ":x:" + std::to_string(group.gid) + ":" + user.name);
    }
    return join_lines(lines);
}

}  // namespace hpc::sandbox
