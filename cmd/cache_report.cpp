#include "cmd/cache_report.hpp"

#include <algorithm>
#include <cstdio>

namespace hpc::cmd {
namespace {

using image::cache::Entry;

std::string mebibytes(uint64_t bytes) {
    char text[32];
    std::snprintf(text, sizeof text, "%.2f MiB", static_cast<double>(bytes) / (1024.0 * 1024.0));
    return text;
}

std::string counted(std::size_t count, const std::string& singular, const std::string& plural) {
    return std::to_string(count) + " " + (count == 1 ? singular : plural);
}

struct Totals {
    std::size_t sifs = 0, blobs = 0, tags = 0;
    uint64_t sif_bytes = 0, blob_bytes = 0, tag_bytes = 0;
};

Totals totals_of(const std::vector<Entry>& entries) {
    Totals totals;
    for (const Entry& entry : entries) {
        switch (entry.kind) {
        case Entry::Kind::sif: ++totals.sifs, totals.sif_bytes += entry.size; break;
        case Entry::Kind::blob: ++totals.blobs, totals.blob_bytes += entry.size; break;
        case Entry::Kind::tag: ++totals.tags, totals.tag_bytes += entry.size; break;
        }
    }
    return totals;
}

const char* kind_name(Entry::Kind kind) {
    switch (kind) {
    case Entry::Kind::blob: return "blob";
    case Entry::Kind::sif: return "sif";
    case Entry::Kind::tag: return "tag";
    }
    return "?";
}

std::string padded(std::string text, std::size_t width) {
    if (text.size() < width) text.append(width - text.size(), ' ');
    return text;
}

}  // namespace

std::string cache_summary(const std::vector<Entry>& entries) {
    Totals totals = totals_of(entries);
    return "There are " + counted(totals.sifs, "SIF file", "SIF files") + " using " + mebibytes(totals.sif_bytes) + ", " +
           counted(totals.blobs, "blob", "blobs") + " using " + mebibytes(totals.blob_bytes) + ", " +
           counted(totals.tags, "tag record", "tag records") + "\n";
}

std::string cache_table(const std::vector<Entry>& entries) {
    std::size_t name_width = 4;
    for (const Entry& entry : entries) name_width = std::max(name_width, entry.name.size());
    std::string table = padded("KIND", 6) + padded("NAME", name_width + 2) + padded("SIZE", 14) + "LAST USED\n";
    for (const Entry& entry : entries) {
        std::string size = mebibytes(entry.size);
        table += padded(kind_name(entry.kind), 6) + padded(entry.name, name_width + 2) + padded(size, 14) +
                 counted(static_cast<std::size_t>(entry.age_days), "day ago", "days ago") + "\n";
    }
    return table;
}

std::string entries_in_words(const std::vector<Entry>& entries) {
    Totals totals = totals_of(entries);
    return counted(totals.sifs, "SIF file", "SIF files") + ", " + counted(totals.blobs, "blob", "blobs") + " and " +
           counted(totals.tags, "tag record", "tag records") + " (" +
           mebibytes(totals.sif_bytes + totals.blob_bytes + totals.tag_bytes) + ")";
}

}  // namespace hpc::cmd
