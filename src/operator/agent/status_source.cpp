#include "operator/agent/status_source.hpp"

#include "agent/limits.hpp"
#include "common/json_fields.hpp"

namespace sb::op::agent {

namespace json = boost::json;

sb::agent::Status status_of(std::string_view kind, const json::object& object, bool deleted) {
    sb::agent::Status s;
    s.object = {std::string(kind), get_string(object, "metadata.namespace"),
                get_string(object, "metadata.name")};
    s.resource_version = get_string(object, "metadata.resourceVersion");
    s.generation = get_int(object, "metadata.generation").value_or(0);
    s.deleted = deleted;
    if (!deleted)
        if (const auto* status = find_object(object, "status")) s.status = *status;
    return s;
}

namespace {

// Only what the server shows counts as a change: a new status, or a new
// generation (a spec change the operator has yet to act on).
bool status_changed(const json::object& before, const json::object& after) {
    if (get_int(before, "metadata.generation") != get_int(after, "metadata.generation"))
        return true;
    const auto* a = find_object(before, "status");
    const auto* b = find_object(after, "status");
    if (!a || !b) return a != b;
    return *a != *b;
}

}  // namespace

StatusSource::StatusSource(std::vector<Watched> watched, std::function<void()> changed)
    : watched_(std::move(watched)), changed_(std::move(changed)) {
    for (const auto& w : watched_) {
        const std::string kind = w.kind;
        w.informer->add_handlers({
            .on_add = [this, kind](const kube::Object& o) { put(status_of(kind, *o)); },
            .on_update =
                [this, kind](const kube::Object& before, const kube::Object& after) {
                    if (status_changed(*before, *after)) put(status_of(kind, *after));
                },
            .on_delete = [this, kind](const kube::Object& o) { put(status_of(kind, *o, true)); },
        });
    }
}

void StatusSource::put(sb::agent::Status status) {
    outbox_.put(std::move(status));
    if (changed_) changed_();
}

std::vector<sb::agent::Snapshot> StatusSource::snapshot() const {
    std::vector<sb::agent::Snapshot> parts(1);
    for (const auto& w : watched_) {
        for (const auto& object : w.informer->store().list()) {
            if (parts.back().objects.size() == sb::agent::kMaxSnapshotObjects) {
                parts.emplace_back();
                parts.back().part = static_cast<std::int64_t>(parts.size() - 1);
            }
            parts.back().objects.push_back(status_of(w.kind, *object));
        }
    }
    parts.back().last = true;
    return parts;
}

}  // namespace sb::op::agent
