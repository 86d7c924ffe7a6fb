#include "image/oci/tar_pass.hpp"

#include "common/error.hpp"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace hpc::image::oci {

TarPass::TarPass(int fd, uint64_t file_size, std::string path)
    : fd_(fd), file_size_(file_size), path_(std::move(path)), block_(128 * 1024) {
    handle_ = archive_read_new();
    if (!handle_) throw std::bad_alloc();
    // Named one by one: archive_read_support_*_all would link every format's and filter's
    // dependencies (libxml2 for xar, OpenSSL for zip's encryption) into hpc.
    archive_read_support_format_tar(handle_);
    archive_read_support_filter_none(handle_);
    archive_read_support_filter_gzip(handle_);
    archive_read_support_filter_zstd(handle_);
    archive_read_set_callback_data(handle_, this);
    archive_read_set_read_callback(handle_, read_callback);
    archive_read_set_skip_callback(handle_, skip_callback);
    if (archive_read_open1(handle_) != ARCHIVE_OK) {
        std::string cause = archive_error_string(handle_) ? archive_error_string(handle_) : "unreadable";
        archive_read_free(handle_);
        throw Error(ExitCode::data, path_ + ": reading the tar: " + cause);
    }
}

TarPass::~TarPass() { archive_read_free(handle_); }

la_ssize_t TarPass::read_callback(archive* handle, void* self, const void** block) {
    auto& pass = *static_cast<TarPass*>(self);
    for (;;) {
        ssize_t got = ::pread(pass.fd_, pass.block_.data(), pass.block_.size(), static_cast<off_t>(pass.offset_));
        if (got >= 0) {
            pass.offset_ += static_cast<uint64_t>(got);
            *block = pass.block_.data();
            return got;
        }
        if (errno != EINTR) {
            archive_set_error(handle, errno, "read: %s", std::strerror(errno));
            return -1;
        }
    }
}

// A member libarchive does not want is passed over by moving the offset alone; never past the
// end of the file, so that a truncated archive is found truncated by the read that follows.
la_int64_t TarPass::skip_callback(archive*, void* self, la_int64_t request) {
    auto& pass = *static_cast<TarPass*>(self);
    if (request <= 0 || pass.offset_ >= pass.file_size_) return 0;
    uint64_t skipped = std::min(static_cast<uint64_t>(request), pass.file_size_ - pass.offset_);
    pass.offset_ += skipped;
    return static_cast<la_int64_t>(skipped);
}

void TarPass::fail(const std::string& doing) const {
    const char* cause = archive_error_string(handle_);
    throw Error(ExitCode::data, path_ + ": " + doing + ": " + (cause ? cause : "unreadable"));
}

archive_entry* TarPass::next() {
    archive_entry* entry = nullptr;
    int status = archive_read_next_header(handle_, &entry);
    if (status == ARCHIVE_EOF) return nullptr;
    // A warning (an unknown pax keyword, a name in another charset) leaves the header usable.
    if (status != ARCHIVE_OK && status != ARCHIVE_WARN) fail("reading the tar");
    return entry;
}

std::size_t TarPass::read(void* buffer, std::size_t size) {
    la_ssize_t got = archive_read_data(handle_, buffer, size);
    if (got < 0)
        throw Error(ExitCode::data, archive_error_string(handle_) ? archive_error_string(handle_) : "unreadable");
    return static_cast<std::size_t>(got);
}

}  // namespace hpc::image::oci
