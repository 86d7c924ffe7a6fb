#include "image/oci/image_index.hpp"

#include "common/error.hpp"
#include "image/oci/blob_digest.hpp"
#include "image/oci/image_config.hpp"
#include "image/oci/index_document.hpp"
#include "image/oci/json_document.hpp"
#include "image/oci/manifest_document.hpp"
#include "common/printable.hpp"
#include "image/oci/platform_choice.hpp"

#include <set>

namespace hpc::image::oci {
namespace {

// The most documents a search for a digest fetches through nested indexes: bounds the work a
// hostile layout of many indexes can cause.
constexpr int max_documents_searched = 100;

std::vector<const IndexEntry*> all_of(const std::vector<IndexEntry>& entries) {
    std::vector<const IndexEntry*> pointers;
    for (const IndexEntry& entry : entries) pointers.push_back(&entry);
    return pointers;
}

std::string listed_tags(const std::vector<IndexEntry>& entries) {
    std::set<std::string> tags;
    for (const IndexEntry& entry : entries)
        if (!entry.ref_name.empty()) tags.insert(entry.ref_name);
    std::string text;
    for (const std::string& tag : tags) text += (text.empty() ? "" : ", ") + quoted_printable(tag);
    return text.empty() ? "it has none" : "tags: " + text;
}

// The entry of index.json a tag names, or the only image there is without one.
const IndexEntry& choose_by_tag(const std::vector<IndexEntry>& entries, const std::string& tag,
                                const std::string& architecture, const std::string& context) {
    if (entries.empty()) throw Error(ExitCode::no_input, context + ": lists no image");
    std::vector<const IndexEntry*> candidates;
    if (!tag.empty()) {
        for (const IndexEntry& entry : entries)
            if (entry.ref_name == tag) candidates.push_back(&entry);
        if (candidates.empty())
            throw Error(ExitCode::no_input,
                        context + ": no image tagged " + quoted_printable(tag) + " (" + listed_tags(entries) + ")");
    } else {
        // Entries of one tag (or of none) are one image's platforms; entries of several tags are
        // several images, and choosing one is the user's to do.
        std::set<std::string> names;
        for (const IndexEntry& entry : entries) names.insert(entry.ref_name);
        if (names.size() > 1)
            throw Error(ExitCode::no_input, context + ": holds several images; name one by its tag or @digest (" +
                                                listed_tags(entries) + ")");
        candidates = all_of(entries);
    }
    return choose_platform(candidates, architecture, context);
}

class LayoutWalk {
public:
    LayoutWalk(BlobStore& store, const std::string& architecture) : store_(store), architecture_(architecture) {}

    Image image_of(const Descriptor& descriptor, int depth);
    std::optional<Descriptor> find_digest(const std::vector<IndexEntry>& entries, const std::string& digest, int depth);

private:
    std::string context(std::string_view kind, const Descriptor& descriptor) const {
        return store_.where() + ": " + std::string(kind) + " " + short_digest(descriptor.digest);
    }
    Image image_of_manifest(const Descriptor& descriptor, std::string bytes, const Json& document);

    BlobStore& store_;
    const std::string& architecture_;
    int documents_searched_ = 0;
};

Image LayoutWalk::image_of(const Descriptor& descriptor, int depth) {
    std::string bytes = read_json_blob(store_, descriptor);
    Json document = parse_json_object(bytes, context("blob", descriptor));
    DocumentKind kind = kind_of_document(document, descriptor.media_type, context("blob", descriptor));
    if (kind == DocumentKind::manifest) return image_of_manifest(descriptor, std::move(bytes), document);
    std::string index_context = context("index", descriptor);
    if (depth >= max_index_depth)
        throw Error(ExitCode::data, index_context + ": indexes nested deeper than " + std::to_string(max_index_depth));
    std::vector<IndexEntry> entries = parse_index(document, index_context);
    return image_of(choose_platform(all_of(entries), architecture_, index_context).descriptor, depth + 1);
}

Image LayoutWalk::image_of_manifest(const Descriptor& descriptor, std::string bytes, const Json& document) {
    ManifestDocument manifest = parse_manifest(document, context("manifest", descriptor));
    Image image;
    image.config_json = read_json_blob(store_, manifest.config);
    ImageConfig config = parse_image_config(image.config_json, context("config", manifest.config));
    image.manifest_digest = digest_of(bytes);
    image.manifest_json = std::move(bytes);
    take_config(image, std::move(config));
    image.layers = std::move(manifest.layers);
    return image;
}

// The descriptor of `digest` among `entries` or in the indexes they lead to.
std::optional<Descriptor> LayoutWalk::find_digest(const std::vector<IndexEntry>& entries, const std::string& digest,
                                                  int depth) {
    for (const IndexEntry& entry : entries)
        if (entry.descriptor.digest == digest) return entry.descriptor;
    if (depth >= max_index_depth) return std::nullopt;
    for (const IndexEntry& entry : entries) {
        auto kind = document_kind(entry.descriptor.media_type);
        // An entry without a media type may be an index too: only its content says.
        if (kind == DocumentKind::manifest || (!kind && !entry.descriptor.media_type.empty())) continue;
        if (++documents_searched_ > max_documents_searched)
            throw Error(ExitCode::data, store_.where() + ": more than " + std::to_string(max_documents_searched) +
                                            " indexes searched for " + short_digest(digest));
        std::string bytes = read_json_blob(store_, entry.descriptor);
        Json document = parse_json_object(bytes, context("blob", entry.descriptor));
        if (kind_of_document(document, entry.descriptor.media_type, context("blob", entry.descriptor)) !=
            DocumentKind::index)
            continue;
        auto found = find_digest(parse_index(document, context("index", entry.descriptor)), digest, depth + 1);
        if (found) return found;
    }
    return std::nullopt;
}

}  // namespace

Image read_layout_image(BlobStore& store, std::string_view index_json, const SourceReference& reference,
                        const std::string& architecture) {
    std::string context = store.where() + ": index.json";
    Json document = parse_json_object(index_json, context);
    if (kind_of_document(document, "", context) != DocumentKind::index) bad_document(context, "not an image index");
    std::vector<IndexEntry> entries = parse_index(document, context);
    LayoutWalk walk(store, architecture);
    if (reference.digest.empty())
        return walk.image_of(choose_by_tag(entries, reference.tag, architecture, context).descriptor, 0);
    auto found = walk.find_digest(entries, reference.digest, 0);
    if (!found) throw Error(ExitCode::no_input, context + ": no manifest or index " + reference.digest);
    return walk.image_of(*found, 0);
}

Image read_image_at(BlobStore& store, const Descriptor& descriptor, const std::string& architecture) {
    return LayoutWalk(store, architecture).image_of(descriptor, 0);
}

}  // namespace hpc::image::oci
