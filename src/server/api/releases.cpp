#include "server/api/releases.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <set>

#include "server/api/request_params.hpp"
#include "server/core/crypto.hpp"
#include "server/http/router.hpp"

namespace sb::server::api {
namespace json = boost::json;

namespace {

constexpr std::string_view kRestored[] = {"replicas", "resources", "autoscaling", "domains", "services", "build"};

std::set<std::string> strings_of(const json::value* v) {
    std::set<std::string> out;
    if (v && v->is_array())
        for (const auto& s : v->get_array())
            if (s.is_string()) out.emplace(s.get_string());
    return out;
}

std::string join(const std::set<std::string>& items) {
    std::string out;
    for (const auto& i : items) out += (out.empty() ? "" : ", ") + i;
    return out;
}

std::string shown(const json::value* v) {
    if (!v || v->is_null()) return "none";
    return json::serialize(*v);
}

}  // namespace

json::object deployable_config(const json::object& spec) {
    json::object out;
    for (auto key : kRestored)
        if (const auto* v = spec.if_contains(key)) out[key] = *v;
    if (!out.contains("replicas")) out["replicas"] = 1;
    json::array env_keys;
    if (const auto* summary = spec.if_contains("secretSummary"); summary && summary->is_object())
        if (const auto* keys = summary->get_object().if_contains("envKeys"); keys && keys->is_array()) env_keys = keys->get_array();
    out["envKeys"] = std::move(env_keys);
    return out;
}

void restore_config(json::object& spec, const json::object& config) {
    for (auto key : kRestored) {
        if (const auto* v = config.if_contains(key)) spec[key] = *v;
        else spec.erase(key);
    }
}

std::string describe_change(const json::object& before, const json::object& after) {
    std::string out;
    auto add = [&](const std::string& part) { out += (out.empty() ? "" : "; ") + part; };
    for (std::string_view key : {"replicas", "resources", "autoscaling", "build"}) {
        const auto* b = before.if_contains(key);
        const auto* a = after.if_contains(key);
        if (shown(b) != shown(a)) add(std::string(key) + " " + shown(b) + " → " + shown(a));
    }
    for (std::string_view key : {"domains", "services", "envKeys"}) {
        auto b = strings_of(before.if_contains(key)), a = strings_of(after.if_contains(key));
        std::set<std::string> added, removed;
        for (const auto& x : a)
            if (!b.contains(x)) added.insert(x);
        for (const auto& x : b)
            if (!a.contains(x)) removed.insert(x);
        std::string name = key == "envKeys" ? "env" : std::string(key);
        if (!added.empty()) add(name + " + " + join(added));
        if (!removed.empty()) add(name + " − " + join(removed));
    }
    return out;
}

std::string actor_of(const Context& ctx) {
    if (!ctx.principal) return "system";
    return ctx.principal->email.empty() ? ctx.principal->user_id : ctx.principal->email;
}

json::object release_json(const store::Release& r) {
    auto config = json::parse(r.config);
    return {{"id", r.id},
            {"appId", r.app_id},
            {"number", r.number},
            {"version", "v" + std::to_string(r.number)},
            {"kind", r.kind},
            {"actor", r.actor},
            {"description", r.description},
            {"image", r.image.empty() ? json::value(nullptr) : json::value(r.image)},
            {"digest", r.digest.empty() ? json::value(nullptr) : json::value(r.digest)},
            {"buildId", r.build_id ? json::value(*r.build_id) : json::value(nullptr)},
            {"config", std::move(config)},
            {"createdAt", timestamp(r.created_at)}};
}

boost::asio::awaitable<store::Release> record_release(db::Session& s, NewRelease n) {
    store::ReleaseStore releases(s);
    if (n.image.empty()) {
        auto latest = co_await releases.latest(n.app_id);
        if (latest && !latest->image.empty()) {
            n.image = latest->image;
            n.digest = latest->digest;
        } else {
            std::error_code ec;
            auto reported = json::parse(n.reported, ec);
            if (!ec && reported.is_object())
                if (const auto* image = reported.get_object().if_contains("currentImage"); image && image->is_string())
                    n.image = std::string(image->get_string());
        }
    }
    store::Release r{crypto::new_id(), n.app_id, 0, n.kind, n.actor, n.description, n.image, n.digest, n.build_id,
                     json::serialize(deployable_config(json::parse(n.spec).as_object())), n.secrets, crypto::now_ms()};
    r.number = co_await releases.append(r);
    co_return r;
}

}  // namespace sb::server::api
