#include "image/tar/tar_pass.hpp"

#include "common/error.hpp"
#include "common/printable.hpp"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace hpc::image::tar {

TarPass::TarPass(int fd, uint64_t file_size, std::string path)
    : fd_(fd), file_size_(file_size), path_(std::move(path)), block_(128 * 1024) {
    open(Compression::none);
}

TarPass::TarPass(ByteReader& source, Compression compression, std::string name)
    : source_(&source), path_(std::move(name)), block_(1 << 20) {
    open(compression);
}

// A file may be any of the three; a stream is what its media type says, and only that.
void TarPass::open(Compression compression) {
    handle_ = archive_read_new();
    if (!handle_) throw std::bad_alloc();
    archive_read_support_format_tar(handle_);
    archive_read_support_filter_none(handle_);
    if (!source_ || compression == Compression::gzip) archive_read_support_filter_gzip(handle_);
    if (!source_ || compression == Compression::zstd) archive_read_support_filter_zstd(handle_);
    archive_read_set_callback_data(handle_, this);
    archive_read_set_read_callback(handle_, read_callback);
    if (!source_) archive_read_set_skip_callback(handle_, skip_callback);
    if (archive_read_open1(handle_) != ARCHIVE_OK) {
        std::string why;
        try {
            why = cause();
        } catch (...) {
            archive_read_free(handle_);
            throw;
        }
        archive_read_free(handle_);
        throw Error(ExitCode::data, path_ + ": reading the tar: " + why);
    }
}

TarPass::~TarPass() { archive_read_free(handle_); }

la_ssize_t TarPass::read_callback(archive* handle, void* self, const void** block) {
    auto& pass = *static_cast<TarPass*>(self);
    *block = pass.block_.data();
    if (pass.source_) {
        // An exception may not cross libarchive's C frames: it waits here, thrown again later.
        try {
            return static_cast<la_ssize_t>(pass.source_->read_some(pass.block_.data(), pass.block_.size()));
        } catch (...) {
            pass.source_failure_ = std::current_exception();
            archive_set_error(handle, EIO, "reading the stream failed");
            return -1;
        }
    }
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

std::string TarPass::cause() const {
    if (source_failure_) std::rethrow_exception(source_failure_);
    const char* words = archive_error_string(handle_);
    return words ? words : "unreadable";
}

void TarPass::fail(const std::string& doing) const {
    std::string after = last_name_.empty() ? "" : " (after " + quoted_printable(last_name_) + ")";
    throw Error(ExitCode::data, path_ + ": " + doing + ": " + cause() + after);
}

archive_entry* TarPass::next() {
    archive_entry* entry = nullptr;
    int status = archive_read_next_header(handle_, &entry);
    if (status == ARCHIVE_EOF) return nullptr;
    // A warning (an unknown pax keyword, a name in another charset) leaves the header usable.
    if (status != ARCHIVE_OK && status != ARCHIVE_WARN) fail("reading the tar");
    const char* name = archive_entry_pathname(entry);
    last_name_ = name ? name : "";
    return entry;
}

std::size_t TarPass::read(void* buffer, std::size_t size) {
    la_ssize_t got = archive_read_data(handle_, buffer, size);
    if (got < 0) throw Error(ExitCode::data, cause());
    return static_cast<std::size_t>(got);
}

bool TarPass::read_block(const void** data, std::size_t* size, int64_t* offset) {
    la_int64_t at = 0;
    int status = archive_read_data_block(handle_, data, size, &at);
    if (status == ARCHIVE_EOF) return false;
    if (status < ARCHIVE_WARN) throw Error(ExitCode::data, cause());
    *offset = at;
    return true;
}

}  // namespace hpc::image::tar
