#include "agent/objects.hpp"

#include <array>

#include "common/json_fields.hpp"

namespace sb::agent {

namespace {

constexpr std::array<std::string_view, 4> kKinds = {"Project", "App", "AppBuild", "Service"};

// RFC 1123 label: lower-case alphanumerics and '-', starting and ending alphanumeric.
bool is_dns_label(std::string_view s, std::size_t max) {
    if (s.empty() || s.size() > max) return false;
    auto alnum = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
    if (!alnum(s.front()) || !alnum(s.back())) return false;
    for (char c : s)
        if (!alnum(c) && c != '-') return false;
    return true;
}

Error forbidden(std::string message) {
    return Error{ErrorCode::forbidden, std::move(message)};
}

}  // namespace

bool is_shapeblock_kind(std::string_view kind) {
    for (auto k : kKinds)
        if (k == kind) return true;
    return false;
}

bool is_namespaced(std::string_view kind) {
    return kind != "Project";
}

std::optional<Error> check_ref(const ObjectRef& ref) {
    if (!is_shapeblock_kind(ref.kind))
        return forbidden("kind '" + ref.kind +
                         "' is not a ShapeBlock kind (Project, App, AppBuild, Service)");
    // A Project's name becomes a namespace: one DNS label. Others are labels too
    // because they name pods, Jobs and Helm releases.
    if (!is_dns_label(ref.name, 63))
        return Error{ErrorCode::malformed,
                     "metadata.name '" + ref.name +
                         "' must be a DNS-1123 label (a-z, 0-9, '-', at most 63)"};
    if (is_namespaced(ref.kind)) {
        if (!is_dns_label(ref.namespace_, 63))
            return Error{ErrorCode::malformed, ref.kind + " " + ref.name +
                                                   ": metadata.namespace must be a DNS-1123 label"};
    } else if (!ref.namespace_.empty()) {
        return Error{ErrorCode::malformed,
                     "a Project is cluster-scoped: metadata.namespace must be empty"};
    }
    return std::nullopt;
}

std::optional<Error> check_object(const boost::json::object& object, ObjectRef& ref) {
    const auto api_version = get_string_view(object, "apiVersion");
    ref.kind = get_string(object, "kind");
    ref.name = get_string(object, "metadata.name");
    ref.namespace_ = get_string(object, "metadata.namespace");
    if (api_version != kShapeBlockApiVersion)
        return forbidden("apiVersion '" + std::string(api_version) + "' is not " +
                         std::string(kShapeBlockApiVersion));
    return check_ref(ref);
}

}  // namespace sb::agent
