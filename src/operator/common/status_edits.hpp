#pragma once
// Status and condition edits the controllers that write status through
// merge patches share (AppBuild and the App's rollout): JSON patch bodies,
// the status and its conditions, creation order of objects.
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <cstdint>
#include <string>
#include <string_view>

#include "kube/client.hpp"
#include "operator/common/crd_types.hpp"

namespace sb::op {

// Options passed as named objects: g++ 12 mishandles default class arguments of coroutines.
inline const kube::WriteOptions kWriteOptions{.field_manager = std::string(kFieldManager)};
inline const kube::GetOptions kGetOptions{};
inline constexpr std::string_view kStatusSubresource = "status";
inline constexpr std::string_view kNoSubresource = {};

inline boost::json::value text(const std::string& s) { return boost::json::value(std::string_view(s)); }

// {key: value} (initializer lists live outside coroutine bodies: g++ 12 mishandles them there).
inline boost::json::object wrap(std::string_view key, boost::json::value value) {
    boost::json::object o;
    o[key] = std::move(value);
    return o;
}

inline boost::json::object current_status(const boost::json::object& obj) {
    const auto* s = find_object(obj, "status");
    return s ? *s : boost::json::object{};
}

inline boost::json::array conditions_of(const boost::json::object& status) {
    if (auto* c = status.if_contains("conditions"); c && c->is_array()) return c->get_array();
    return {};
}

inline void set_cond(boost::json::object& status, std::int64_t generation, std::string type, bool ok, std::string reason,
                     std::string message) {
    auto conditions = conditions_of(status);
    set_condition(conditions, Condition{std::move(type), ok ? "True" : "False", std::move(reason), std::move(message)},
                  generation, now_rfc3339());
    status["conditions"] = std::move(conditions);
}

// The condition of that type in obj's status ("" fields when absent).
inline Condition condition_in(const boost::json::object& obj, std::string_view type) {
    auto conditions = conditions_of(current_status(obj));
    const auto* c = find_condition(conditions, type);
    if (!c) return {};
    return {std::string(type), get_string(*c, "status"), get_string(*c, "reason"), get_string(*c, "message")};
}

// Writes status (with observedGeneration) to obj's status subresource unless it is unchanged.
kube::Task<void> patch_status(kube::Client& client, const kube::ResourceRef& resource, const boost::json::object& obj,
                              boost::json::object status);

// Creation order of builds of one app: timestamp, then name (a stable order for queueing).
inline bool created_before(const boost::json::object& a, const boost::json::object& b) {
    auto ta = get_string(a, "metadata.creationTimestamp"), tb = get_string(b, "metadata.creationTimestamp");
    if (ta != tb) return ta < tb;
    return get_string(a, "metadata.name") < get_string(b, "metadata.name");
}

}  // namespace sb::op
