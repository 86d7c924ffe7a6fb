// A cache file being written: "NAME.tmp-RANDOM" next to its final NAME, made new (O_EXCL, 0600)
// so that it is this writer's alone, and renamed over NAME only once written whole and synced.
// Until then no reader can see it under NAME; if the writer fails, the file is removed, and if
// it dies, the next writer that holds the entry's lock, or clean, removes what is left.
#pragma once

#include "common/unique_fd.hpp"

#include <string>
#include <string_view>

namespace hpc::image::cache {

inline constexpr std::string_view temporary_marker = ".tmp-";

// The final name a temporary's name belongs to ("HEX" for "HEX.tmp-0123abcd..."), or "" for a
// name that is not a temporary's.
std::string_view final_name_of_temporary(std::string_view name);

class TemporaryFile {
public:
    // A new file for `final_name` in `folder` (whose path `folder_path` names it in messages),
    // opened read-write.
    TemporaryFile(int folder, const std::string& folder_path, const std::string& final_name);
    ~TemporaryFile();  // removes the file unless it was committed
    TemporaryFile(const TemporaryFile&) = delete;
    TemporaryFile& operator=(const TemporaryFile&) = delete;

    int fd() const { return fd_.get(); }
    const std::string& path() const { return path_; }
    // fsync, then the rename over the final name. Throws hpc::Error with the errno's code.
    void commit();

private:
    int folder_;
    std::string name_, final_name_, path_, final_path_;
    UniqueFd fd_;
    bool committed_ = false;
};

// Removes `folder`'s temporaries of `final_name`: called under the entry's lock, so that none is
// being written, and any there was left by a writer that died.
void remove_temporaries_of(int folder, const std::string& folder_path, std::string_view final_name);

}  // namespace hpc::image::cache
