#include "oci_fixture.hpp"

#include "image/oci/blob_digest.hpp"
#include "image_fixture.hpp"

#include <archive.h>
#include <archive_entry.h>

#include <sys/stat.h>

#include <cstdio>
#include <stdexcept>

namespace hpc::test {
namespace {

la_ssize_t append_to_string(struct archive*, void* out, const void* buffer, std::size_t length) {
    static_cast<std::string*>(out)->append(static_cast<const char*>(buffer), length);
    return static_cast<la_ssize_t>(length);
}

void check(int status, struct archive* writer, const std::string& what) {
    if (status < ARCHIVE_WARN) {
        std::string cause = archive_error_string(writer) ? archive_error_string(writer) : "?";
        throw std::runtime_error(what + ": " + cause);
    }
}

void make_directories(const std::string& root, const std::string& relative) {
    for (std::size_t slash = relative.find('/'); slash != std::string::npos; slash = relative.find('/', slash + 1))
        ::mkdir((root + "/" + relative.substr(0, slash)).c_str(), 0755);
}

// A ustar header, written here rather than by libarchive: its tar writers link every format's
// (xar's libxml2 among them) into a static build, and a second writer checks the reader better.
std::string ustar_header(const TarEntry& entry) {
    std::string header(512, '\0');
    auto field = [&](std::size_t offset, std::size_t length, const std::string& value) {
        if (value.size() > length) throw std::runtime_error("tar field too long: " + value);
        header.replace(offset, value.size(), value);
    };
    auto octal = [&](std::size_t offset, std::size_t length, uint64_t value) {
        char text[32];
        std::snprintf(text, sizeof text, "%0*llo", static_cast<int>(length - 1),
                      static_cast<unsigned long long>(value));
        field(offset, length - 1, text);
    };
    std::string name = entry.name, prefix;
    if (name.size() > 100) {
        std::size_t slash = name.rfind('/', 155);
        if (slash == std::string::npos || name.size() - slash - 1 > 100)
            throw std::runtime_error("tar name too long: " + name);
        prefix = name.substr(0, slash);
        name = name.substr(slash + 1);
    }
    bool is_file = entry.kind == TarEntry::Kind::file;
    field(0, 100, name);
    unsigned fallback = entry.kind == TarEntry::Kind::directory ? 0755 : entry.kind == TarEntry::Kind::symlink ? 0777 : 0644;
    octal(100, 8, entry.mode != 0 ? entry.mode : fallback);
    octal(108, 8, entry.uid);
    octal(116, 8, entry.gid);
    octal(124, 12, is_file ? entry.content.size() : 0);
    octal(136, 12, static_cast<uint64_t>(entry.mtime));
    const char types[] = {'0', '2', '1', '5'};  // in the order of TarEntry::Kind
    header[156] = types[static_cast<int>(entry.kind)];
    field(157, 100, entry.target);
    field(257, 6, std::string("ustar\0", 6));
    field(263, 2, "00");
    field(345, 155, prefix);
    // The checksum is the sum of the header's bytes with its own field as eight blanks.
    header.replace(148, 8, 8, ' ');
    unsigned sum = 0;
    for (unsigned char byte : header) sum += byte;
    char checksum[8];
    std::snprintf(checksum, sizeof checksum, "%06o", sum);
    header.replace(148, 7, checksum, 7);  // six digits, a NUL, and the blank left
    return header;
}

// `bytes` through libarchive's gzip or zstd filter (its raw format: one stream, no archive).
std::string compressed(const std::string& bytes, image::oci::Compression compression) {
    if (compression == image::oci::Compression::none) return bytes;
    std::string out;
    struct archive* writer = archive_write_new();
    check(archive_write_set_format_raw(writer), writer, "raw format");
    if (compression == image::oci::Compression::gzip) {
        check(archive_write_add_filter_gzip(writer), writer, "gzip");
        check(archive_write_set_options(writer, "gzip:!timestamp"), writer,
              "gzip options");  // the same bytes every time
    } else {
        check(archive_write_add_filter_zstd(writer), writer, "zstd");
    }
    archive_write_set_bytes_in_last_block(writer, 1);
    check(archive_write_open2(writer, &out, nullptr, append_to_string, nullptr, nullptr), writer, "open");
    struct archive_entry* entry = archive_entry_new();
    archive_entry_set_pathname(entry, "data");
    archive_entry_set_filetype(entry, AE_IFREG);
    archive_entry_set_size(entry, static_cast<la_int64_t>(bytes.size()));
    check(archive_write_header(writer, entry), writer, "header");
    if (!bytes.empty()) archive_write_data(writer, bytes.data(), bytes.size());
    archive_entry_free(entry);
    check(archive_write_close(writer), writer, "close");
    archive_write_free(writer);
    return out;
}

}  // namespace

std::string tar_bytes(const std::vector<TarEntry>& entries, image::oci::Compression compression) {
    std::string tar;
    for (const TarEntry& entry : entries) {
        tar += ustar_header(entry);
        if (entry.kind == TarEntry::Kind::file) {
            tar += entry.content;
            tar.append((512 - entry.content.size() % 512) % 512, '\0');
        }
    }
    tar.append(1024, '\0');  // the two zero blocks that end a tar
    return compressed(tar, compression);
}

std::string layer_tar(const std::map<std::string, std::string>& files, image::oci::Compression compression) {
    std::vector<TarEntry> entries;
    for (const auto& [name, content] : files) entries.push_back({name, content});
    return tar_bytes(entries, compression);
}

std::string sha256_of(const std::string& bytes) { return image::oci::digest_of(bytes); }

Json config_document(const std::string& architecture, const std::vector<std::string>& diff_ids,
                     const std::string& variant) {
    Json config = {
        {"architecture", architecture},
        {"os", "linux"},
        {"config",
         {{"Env", {"PATH=/usr/bin:/bin", "LANG=C.UTF-8"}},
          {"Entrypoint", {"/bin/sh", "-c"}},
          {"Cmd", {"echo hello"}},
          {"WorkingDir", "/work"},
          {"User", "1000:1000"},
          {"Labels", {{"org.example.b", "2"}, {"org.example.a", "1"}}}}},
        {"rootfs", {{"type", "layers"}, {"diff_ids", diff_ids}}},
    };
    if (!variant.empty()) config["variant"] = variant;
    return config;
}

Json OciLayoutFiles::add_blob(const std::string& media_type, const std::string& bytes) {
    Json descriptor = {{"mediaType", media_type}, {"digest", sha256_of(bytes)}, {"size", bytes.size()}};
    files[blob_file(descriptor)] = bytes;
    return descriptor;
}

Json OciLayoutFiles::add_manifest(const Json& config, const std::vector<Json>& layers) {
    Json manifest = {{"schemaVersion", 2}, {"mediaType", oci_manifest_type}, {"config", config}, {"layers", layers}};
    return add_blob(oci_manifest_type, manifest.dump());
}

Json OciLayoutFiles::add_image(const std::string& architecture, bool gzip, const std::string& variant) {
    std::string tar = layer_tar({{"hello", "hello from " + architecture + "\n"}});
    std::string stored =
        gzip ? layer_tar({{"hello", "hello from " + architecture + "\n"}}, image::oci::Compression::gzip) : tar;
    Json layer = add_blob(gzip ? oci_gzip_layer_type : oci_layer_type, stored);
    Json config = add_blob(oci_config_type, config_document(architecture, {sha256_of(tar)}, variant).dump());
    return add_manifest(config, {layer});
}

Json OciLayoutFiles::add_index(const std::vector<Json>& manifests) {
    Json index = {{"schemaVersion", 2}, {"mediaType", oci_index_type}, {"manifests", manifests}};
    return add_blob(oci_index_type, index.dump());
}

void OciLayoutFiles::set_index_json(const std::vector<Json>& manifests) {
    files["index.json"] = Json{{"schemaVersion", 2}, {"mediaType", oci_index_type}, {"manifests", manifests}}.dump();
    files["oci-layout"] = R"({"imageLayoutVersion":"1.0.0"})";
}

void OciLayoutFiles::write_directory(const std::string& directory) const {
    ::mkdir(directory.c_str(), 0755);
    for (const auto& [name, content] : files) {
        make_directories(directory, name);
        write_host_file(directory + "/" + name, content);
    }
}

void OciLayoutFiles::write_archive(const std::string& file, image::oci::Compression compression) const {
    std::vector<TarEntry> entries;
    for (const auto& [name, content] : files) entries.push_back({name, content});
    write_host_file(file, tar_bytes(entries, compression));
}

Json with_platform(Json descriptor, const std::string& architecture, const std::string& variant,
                   const std::string& os) {
    descriptor["platform"] = {{"architecture", architecture}, {"os", os}};
    if (!variant.empty()) descriptor["platform"]["variant"] = variant;
    return descriptor;
}

Json with_tag(Json descriptor, const std::string& tag) {
    descriptor["annotations"]["org.opencontainers.image.ref.name"] = tag;
    return descriptor;
}

std::string blob_file(const Json& descriptor) {
    std::string digest = descriptor.at("digest");
    return "blobs/sha256/" + digest.substr(7);
}

std::string read_layer(image::oci::ImageSource& source, const image::oci::Layer& layer) {
    auto stream = source.open_layer(layer);
    std::string bytes;
    char buffer[300];  // smaller than a tar block: reads that end inside one
    while (std::size_t got = stream->read(buffer, sizeof buffer)) bytes.append(buffer, got);
    stream->finish();
    return bytes;
}

}  // namespace hpc::test
