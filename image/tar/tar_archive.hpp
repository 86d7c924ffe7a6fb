// A tar file held open (oci-archive's and docker-archive's), its members reached by name
// through libarchive. The file is opened once and every read goes through that descriptor with
// pread(2) at a position of the reader's own: what is read is what was opened, whatever
// happens to the path, and any number of members can be read at once. On a plain tar, libarchive
// passes over members it does not want by moving that position, never by reading them; a
// gzip- or zstd-compressed tar is decompressed from its start for each member.
//
// Only the tar reader (every dialect: ustar, pax, GNU) and the gzip and zstd filters are
// enabled, never archive_read_support_*_all: those would link libxml2 and OpenSSL into hpc.
#pragma once

#include "common/unique_fd.hpp"
#include "image/tar/byte_reader.hpp"

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace hpc::image::tar {

struct TarMember {
    std::string name;  // as stored, less any leading "./"
    uint64_t size = 0;
};

class TarArchive {
public:
    // Opens the regular file at `path` and reads its members' headers once. Throws hpc::Error:
    // no_input (missing), data (not a regular file, not a tar, a name twice, too many members).
    explicit TarArchive(const std::string& path);

    const std::string& path() const { return path_; }
    // The regular file `name` is, after a leading "./" and symbolic and hard links within the
    // archive (Docker's save links a layer seen twice to the first); null when there is none.
    const TarMember* find(std::string_view name) const;
    // The names of the archive's regular files, for messages.
    std::vector<std::string> names() const;

    // The member's bytes, read independently of any other reader, through a descriptor of the
    // reader's own (it may outlive the archive). Its read_some throws
    // hpc::Error(data) with libarchive's words when the archive is truncated or corrupt.
    std::unique_ptr<ByteReader> open_member(const TarMember& member) const;
    // The whole member, of at most `max_bytes` (hpc::Error(data) naming it otherwise).
    std::string read_member(const TarMember& member, std::size_t max_bytes) const;

private:
    void read_headers();

    std::string path_;
    UniqueFd fd_;
    uint64_t file_size_ = 0;
    std::map<std::string, TarMember, std::less<>> files_;    // regular files by name
    std::map<std::string, std::string, std::less<>> links_;  // a link's name -> a file's name
};

// `name` as a member's name is compared: "./a//b" is "a/b"; empty when it leaves the archive's
// root ("../x") or names nothing.
std::string normal_member_name(std::string_view name);

}  // namespace hpc::image::tar
