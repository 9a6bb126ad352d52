#include "server/api/scale_body.hpp"

#include <map>

#include "server/core/api_error.hpp"
#include "server/core/quantity.hpp"

namespace sb::server::api {
namespace json = boost::json;

namespace {

constexpr std::int64_t kMaxReplicas = 1000;

// A quantity as the CRDs take it: a string, or a whole number.
std::optional<std::pair<std::string, Milli>> quantity_at(const json::object& o, std::string_view key, const std::string& field) {
    const auto* v = o.if_contains(key);
    if (!v || v->is_null()) return std::nullopt;
    std::string text;
    if (v->is_string()) text = std::string(v->get_string());
    else if (v->is_int64() && v->get_int64() >= 0) text = std::to_string(v->get_int64());
    else if (v->is_uint64()) text = std::to_string(v->get_uint64());
    else throw invalid_field(field, field + " must be a Kubernetes quantity (a string like \"500m\" or \"512Mi\")");
    auto value = text.size() <= 64 ? parse_quantity(text) : std::nullopt;
    if (!value) throw invalid_field(field, field + " is not a Kubernetes quantity: \"" + text.substr(0, 64) + "\" (examples: 500m, 2, 512Mi, 1G)");
    return std::make_pair(text, *value);
}

// {cpu?, memory?}: the quantities as written, after checking them.
json::object cpu_memory(const json::value& v, const std::string& field, std::map<std::string, Milli>& values) {
    if (!v.is_object()) throw invalid_field(field, field + " must be an object");
    const auto& o = v.get_object();
    for (const auto& [key, _] : o)
        if (key != "cpu" && key != "memory")
            throw ApiError(400, "unknown_field", "unknown field " + field + "." + std::string(key), field + "." + std::string(key));
    json::object out;
    for (std::string_view key : {"cpu", "memory"})
        if (auto q = quantity_at(o, key, field + "." + std::string(key))) {
            out[key] = q->first;
            values[std::string(key)] = q->second;
        }
    return out;
}

json::object decode_resources(const json::object& raw) {
    json::object out;
    std::map<std::string, Milli> requests, limits;
    for (const auto& [key, value] : raw) {
        if (key == "requests") out["requests"] = cpu_memory(value, "resources.requests", requests);
        else if (key == "limits") out["limits"] = cpu_memory(value, "resources.limits", limits);
        else throw ApiError(400, "unknown_field", "unknown field resources." + std::string(key), "resources." + std::string(key));
    }
    for (const auto& [name, request] : requests) {
        auto limit = limits.find(name);
        if (limit != limits.end() && request > limit->second) {
            auto shown = name == "cpu" ? format_cpu : format_memory;
            throw invalid_field("resources.requests." + name, "resources.requests." + name + " (" + shown(request) +
                                                                  ") is more than resources.limits." + name + " (" +
                                                                  shown(limit->second) + ")");
        }
    }
    return out;
}

json::object decode_autoscaling(BodyReader& a) {
    json::object out;
    auto min = a.integer("minReplicas", 1, kMaxReplicas).value_or(1);
    auto max = a.integer("maxReplicas", 1, kMaxReplicas);
    auto cpu = a.integer("targetCPUUtilizationPercentage", 1, 1000);
    auto memory = a.integer("targetMemoryUtilizationPercentage", 1, 1000);
    a.finish();
    if (!max) throw invalid_field("autoscaling.maxReplicas", "autoscaling.maxReplicas is required");
    if (min > *max)
        throw invalid_field("autoscaling.minReplicas", "autoscaling.minReplicas (" + std::to_string(min) +
                                                           ") is more than autoscaling.maxReplicas (" + std::to_string(*max) + ")");
    if (!cpu && !memory)
        throw invalid_field("autoscaling", "autoscaling needs targetCPUUtilizationPercentage or targetMemoryUtilizationPercentage");
    out["minReplicas"] = min;
    out["maxReplicas"] = *max;
    if (cpu) out["targetCPUUtilizationPercentage"] = *cpu;
    if (memory) out["targetMemoryUtilizationPercentage"] = *memory;
    return out;
}

}  // namespace

ScaleChange apply_scale_body(BodyReader& body, json::object& spec) {
    ScaleChange change;
    if (auto replicas = body.integer("replicas", 0, kMaxReplicas)) {
        spec["replicas"] = *replicas;
        change.replicas = true;
    }
    if (body.has("resources")) {
        change.resources = true;
        if (auto resources = body.raw_object("resources")) spec["resources"] = decode_resources(*resources);
        else spec.erase("resources");  // null: no requests or limits
    }
    if (body.has("autoscaling")) {
        change.autoscaling = true;
        if (auto a = body.object("autoscaling")) spec["autoscaling"] = decode_autoscaling(*a);
        else spec.erase("autoscaling");  // null: back to a fixed replica count
    }
    if (!change.replicas && !change.resources && !change.autoscaling) {
        body.finish();  // a misspelt field is named as such
        throw invalid_field("replicas", "give replicas, resources or autoscaling");
    }
    return change;
}

json::object decode_quota(const json::object& quota) {
    json::object out;
    for (const auto& [key, value] : quota) {
        const std::string field = "quota." + std::string(key);
        if (key == "cpu" || key == "memory") {
            if (auto q = quantity_at(quota, key, field)) out[key] = q->first;
        } else if (key == "pods") {
            if (value.is_null()) continue;
            if (!value.is_int64() || value.get_int64() < 0 || value.get_int64() > 1'000'000)
                throw invalid_field(field, field + " must be a whole number from 0 to 1000000");
            out[key] = value.get_int64();
        } else {
            throw ApiError(400, "unknown_field", "unknown field " + field, field);
        }
    }
    return out;
}

}  // namespace sb::server::api
