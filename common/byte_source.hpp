// Bytes at offsets, from a file or from memory: parsers read through this so that tests can
// hand them an in-memory file, truncated or hostile, with no disk and no privilege.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace hpc {

class ByteSource {
public:
    virtual ~ByteSource() = default;
    virtual uint64_t size() const = 0;
    // Reads exactly `length` bytes at `offset`; throws hpc::Error(data) if they are not all
    // there and hpc::Error(os) if reading fails.
    virtual void read_exact(uint64_t offset, void* buffer, std::size_t length) const = 0;
};

class FdByteSource final : public ByteSource {
public:
    FdByteSource(int fd, uint64_t size) : fd_(fd), size_(size) {}
    uint64_t size() const override { return size_; }
    void read_exact(uint64_t offset, void* buffer, std::size_t length) const override;

private:
    int fd_;
    uint64_t size_;
};

class MemoryByteSource final : public ByteSource {
public:
    explicit MemoryByteSource(std::string bytes) : bytes_(std::move(bytes)) {}
    uint64_t size() const override { return bytes_.size(); }
    void read_exact(uint64_t offset, void* buffer, std::size_t length) const override;

private:
    std::string bytes_;
};

}  // namespace hpc
