#include "sandbox/plan/staged_tree.hpp"

#include <algorithm>
#include <cstdint>

namespace hpc::sandbox {
namespace {

// Appends one field as "LENGTH:VALUE", so that no value can pass for two.
class Fields {
public:
    Fields& add(std::string_view value) {
        text_ += std::to_string(value.size());
        text_ += ':';
        text_ += value;
        return *this;
    }
    Fields& add(uint64_t number) { return add(std::to_string(number)); }
    Fields& add(bool flag) { return add(std::string_view(flag ? "1" : "0")); }
    std::string take() { return std::move(text_); }

private:
    std::string text_;
};

void add_maps(Fields& fields, const std::vector<IdMap>& maps) {
    fields.add(uint64_t{maps.size()});
    for (const IdMap& map : maps) fields.add(uint64_t{map.inside}).add(uint64_t{map.outside}).add(uint64_t{map.count});
}

}  // namespace

bool staged_tree_reusable(const LaunchPlan& plan) {
    // A terminal's pty is bound at /dev/console: a pty of the same number later is another
    // device that the host's devpts gives the same inode, so a kept bind would hold a closed one.
    if (plan.namespaces.pid || plan.root.source != RootPlan::Source::squashfs || plan.root.layered() ||
        plan.root.takes_writes() || !plan.terminal.empty())
        return false;
    return std::none_of(plan.mounts.begin(), plan.mounts.end(), [](const MountStep& step) {
        return step.kind == MountKind::proc || (step.kind == MountKind::tmpfs && !step.read_only);
    });
}

std::string staged_tree_description(const LaunchPlan& plan) {
    Fields fields;
    add_maps(fields, plan.uid_map);
    add_maps(fields, plan.gid_map);
    const RootPlan& root = plan.root;
    fields.add(uint64_t{static_cast<uint64_t>(root.source)}).add(root.directory).add(root.writable).add(root.overlay);
    fields.add(uint64_t{root.layers.size()});
    for (const OverlayLayer& layer : root.layers)
        fields.add(layer.directory).add(layer.image.has_value()).add(uint64_t{layer.image.value_or(0)}).add(layer.writable);
    fields.add(uint64_t{plan.images.size()});
    for (const ImageMount& image : plan.images)
        fields.add(uint64_t{static_cast<uint64_t>(image.file_system)}).add(image.path).add(image.identity).add(image.offset);
    fields.add(uint64_t{plan.mounts.size()});
    for (const MountStep& step : plan.mounts)
        fields.add(uint64_t{static_cast<uint64_t>(step.kind)})
            .add(step.source)
            .add(step.target)
            .add(step.read_only)
            .add(step.optional)
            .add(step.is_directory)
            .add(step.content)
            .add(step.options)
            .add(uint64_t{step.image})
            .add(step.subdirectory)
            .add(uint64_t{step.mode});
    return fields.take();
}

}  // namespace hpc::sandbox
