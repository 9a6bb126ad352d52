#include "server/api/project_quota.hpp"

#include "server/core/api_error.hpp"

namespace sb::server::api {
namespace json = boost::json;

namespace {

const json::object* object_at(const json::object& o, std::string_view key) {
    const auto* v = o.if_contains(key);
    return v && v->is_object() ? &v->get_object() : nullptr;
}

std::optional<Milli> quantity(const json::object* o, std::string_view key) {
    if (!o) return std::nullopt;
    const auto* v = o->if_contains(key);
    if (!v) return std::nullopt;
    if (v->is_string()) return parse_quantity(v->get_string());
    if (v->is_int64()) return parse_quantity(std::to_string(v->get_int64()));
    return std::nullopt;
}

std::int64_t integer(const json::object& o, std::string_view key, std::int64_t fallback) {
    const auto* v = o.if_contains(key);
    return v && v->is_int64() ? v->get_int64() : fallback;
}

// The limit, else the request: what one pod may take of the resource.
void per_pod(const json::object& spec, std::string_view resource, Milli& value, std::string& field) {
    const auto* resources = object_at(spec, "resources");
    const auto* limits = resources ? object_at(*resources, "limits") : nullptr;
    const auto* requests = resources ? object_at(*resources, "requests") : nullptr;
    if (auto v = quantity(limits, resource)) {
        value = *v;
        field = "resources.limits." + std::string(resource);
    } else if (auto r = quantity(requests, resource)) {
        value = *r;
        field = "resources.requests." + std::string(resource);
    }
}

ApiError exceeded(const std::string& field, const std::string& message) {
    return ApiError(422, "quota_exceeded", message, field);
}

}  // namespace

Footprint footprint(const json::object& spec) {
    Footprint f;
    const auto* stopped = spec.if_contains("stopped");
    if (stopped && stopped->is_bool() && stopped->get_bool()) f.pods = 0;
    else if (const auto* a = object_at(spec, "autoscaling")) f.pods = integer(*a, "maxReplicas", 1);
    else f.pods = integer(spec, "replicas", 1);
    per_pod(spec, "cpu", f.cpu_per_pod, f.cpu_field);
    per_pod(spec, "memory", f.memory_per_pod, f.memory_field);
    return f;
}

void check_quota(const json::object& quota, const Footprint& app, const std::vector<Footprint>& others, const QuotaBlame& blame) {
    std::int64_t other_pods = 0;
    Milli other_cpu = 0, other_memory = 0;
    for (const auto& o : others) {
        other_pods += o.pods;
        other_cpu += o.cpu();
        other_memory += o.memory();
    }
    if (const auto* v = quota.if_contains("pods"); v && v->is_int64() && app.pods + other_pods > v->get_int64()) {
        throw exceeded(blame.count_field, blame.count_field + ": " + std::to_string(app.pods) +
                                              " pods exceed the project's pod quota " + std::to_string(v->get_int64()) +
                                              " (other apps use " + std::to_string(other_pods) + ")");
    }
    struct Resource {
        std::string_view name;
        Milli per_pod, others;
        const std::string& source;
        std::string (*format)(Milli);
    };
    for (const Resource& r : {Resource{"cpu", app.cpu_per_pod, other_cpu, app.cpu_field, format_cpu},
                              Resource{"memory", app.memory_per_pod, other_memory, app.memory_field, format_memory}}) {
        auto limit = quantity(&quota, r.name);
        if (!limit) continue;
        Milli total = r.per_pod * app.pods;
        if (total + r.others <= *limit) continue;
        std::string field = blame.resources_only && !r.source.empty() ? r.source : blame.count_field;
        throw exceeded(field, field + ": " + std::to_string(app.pods) + " × " + r.format(r.per_pod) + " = " + r.format(total) +
                                  " exceeds the project's " + std::string(r.name) + " quota " + r.format(*limit) +
                                  " (other apps use " + r.format(r.others) + ")");
    }
}

}  // namespace sb::server::api
