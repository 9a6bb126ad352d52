#include "server/agent/cluster_objects.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "agent/objects.hpp"
#include "common/base64.hpp"
#include "common/json_fields.hpp"

namespace sb::server::agent {
namespace json = boost::json;

namespace {

json::object metadata(const std::string& name, const std::string& namespace_, const std::string& id) {
    json::object labels{{kManagedByLabel, kManagedBy}, {kRecordIdLabel, id}};
    json::object out{{"name", name}, {"labels", std::move(labels)}};
    if (!namespace_.empty()) out["namespace"] = namespace_;
    return out;
}

json::object object(std::string_view kind, json::object meta, json::object spec) {
    return {{"apiVersion", sb::agent::kShapeBlockApiVersion}, {"kind", kind}, {"metadata", std::move(meta)},
            {"spec", std::move(spec)}};
}

// Copies the string fields of `from` named in `keys` that are set and not empty.
void copy_strings(const json::object& from, json::object& to, std::initializer_list<std::string_view> keys) {
    for (auto key : keys)
        if (const auto* v = from.if_contains(key); v && v->is_string() && !v->as_string().empty()) to[key] = *v;
}

const json::object& object_at(const json::object& o, std::string_view key) {
    static const json::object empty;
    const auto* v = o.if_contains(key);
    return v && v->is_object() ? v->as_object() : empty;
}

}  // namespace

json::object project_object(const store::ClusterProject& p) {
    // Empty strings are left out: they reach the API server as null through
    // the apply patch, which the schema refuses.
    json::object spec{{"name", p.name}};
    if (!p.display_name.empty()) spec["displayName"] = p.display_name;
    if (!p.description.empty()) spec["description"] = p.description;
    if (auto quota = json::parse(p.quota); quota.is_object() && !quota.as_object().empty()) spec["quota"] = quota;
    return object("Project", metadata(p.name, "", p.id), std::move(spec));
}

namespace {

// A registry password is usable only with the registry it is for.
bool has_registry_login(const json::object& stored, const api::AppSecrets& secrets) {
    const auto& registry = object_at(stored, "registry");
    const auto* url = registry.if_contains("url");
    return !secrets.registry_password.empty() && url && url->is_string() && !url->as_string().empty();
}

// The docker config of kubernetes.io/dockerconfigjson Secrets, for the host of the registry's URL.
std::string docker_config(const json::object& registry, const std::string& password) {
    std::string host(registry.at("url").as_string());
    host = host.substr(0, host.find('/'));
    std::string user;
    if (const auto* u = registry.if_contains("username"); u && u->is_string()) user = std::string(u->as_string());
    json::object login{{"username", user}, {"password", password}, {"auth", ::sb::base64_encode(user + ":" + password)}};
    return json::serialize(json::object{{"auths", json::object{{host, std::move(login)}}}});
}

}  // namespace

std::vector<sb::agent::AppSecret> app_secret_messages(const store::ClusterApp& a, const api::AppSecrets& secrets) {
    const auto stored = json::parse(a.spec).as_object();
    sb::agent::AppSecret env{a.project_name, a.name, "env", {}};
    for (const auto& [key, value] : secrets.env)
        if (value.is_string()) env.data.emplace(std::string(key), std::string(value.as_string()));
    sb::agent::AppSecret git{a.project_name, a.name, "git", {}};
    if (!secrets.git_token.empty()) git.data.emplace("token", secrets.git_token);
    sb::agent::AppSecret registry{a.project_name, a.name, "registry", {}};
    if (has_registry_login(stored, secrets))
        registry.data.emplace(".dockerconfigjson", docker_config(object_at(stored, "registry"), secrets.registry_password));
    return {std::move(env), std::move(git), std::move(registry)};
}

json::object app_object(const store::ClusterApp& a, const api::AppSecrets& secrets,
                        const std::map<std::string, std::string>& service_names) {
    const auto stored = json::parse(a.spec).as_object();
    json::object spec;
    copy_strings(stored, spec, {"displayName", "description"});
    const auto& git = object_at(stored, "git");
    if (!sb::get_string_view(git, "url").empty()) {  // an app built only from uploads has no repository
        json::object g;
        copy_strings(git, g, {"url", "branch"});
        if (const auto* p = git.if_contains("isPrivate"); p && p->is_bool()) g["isPrivate"] = *p;
        if (!secrets.git_token.empty()) g["secretName"] = sb::agent::app_secret_name(a.name, "git");
        if (!g.empty()) spec["git"] = std::move(g);
    }
    json::object registry;
    copy_strings(object_at(stored, "registry"), registry, {"url"});
    registry["secretName"] = has_registry_login(stored, secrets) ? sb::agent::app_secret_name(a.name, "registry")
                                                                 : std::string(kRegistrySecret);
    spec["registry"] = std::move(registry);
    if (!secrets.env.empty()) {
        const auto env_secret = sb::agent::app_secret_name(a.name, "env");
        json::array env;
        for (const auto& [key, _] : secrets.env)
            env.push_back(json::object{
                {"name", key}, {"valueFrom", {{"secretKeyRef", {{"name", env_secret}, {"key", key}}}}}});
        spec["env"] = std::move(env);
    }
    json::object build;
    copy_strings(object_at(stored, "build"), build, {"type", "builderImage", "image", "dockerfile", "contextPath"});
    if (build.contains("type") && build.at("type") == "detect") build.erase("type");  // no type: the build detects it
    if (!build.empty()) spec["build"] = std::move(build);
    if (const auto* d = stored.if_contains("domains"); d && d->is_array() && !d->as_array().empty()) spec["domains"] = *d;
    if (const auto* r = stored.if_contains("replicas"); r && r->is_int64()) spec["replicas"] = *r;
    if (const auto* s = stored.if_contains("stopped"); s && s->is_bool()) spec["stopped"] = *s;
    if (const auto* t = stored.if_contains("restartedAt"); t && t->is_string()) spec["restartedAt"] = *t;
    if (const auto* a = stored.if_contains("autoscaling"); a && a->is_object()) spec["autoscaling"] = *a;
    if (const auto* r = stored.if_contains("resources"); r && r->is_object() && !r->as_object().empty()) spec["resources"] = *r;
    if (const auto* s = stored.if_contains("services"); s && s->is_array()) {
        json::array names;
        for (const auto& id : s->as_array())
            if (auto it = id.is_string() ? service_names.find(std::string(id.as_string())) : service_names.end();
                it != service_names.end())
                names.emplace_back(it->second);
        if (!names.empty()) spec["services"] = std::move(names);
    }
    return object("App", metadata(a.name, a.project_name, a.id), std::move(spec));
}

json::object service_object(const store::ClusterService& s) {
    const auto stored = json::parse(s.spec).as_object();
    json::object spec;
    if (s.type == "chart") {
        spec["type"] = "custom";
        json::object chart;
        copy_strings(stored, chart, {"chart"});
        if (auto* name = chart.if_contains("chart")) chart = {{"name", *name}};
        if (const auto* v = stored.if_contains("chartVersion"); v && v->is_string()) chart["version"] = *v;
        spec["chart"] = std::move(chart);
    } else {
        spec["type"] = s.type == "postgresql" ? std::string("postgres") : s.type;
    }
    if (const auto* v = stored.if_contains("storage"); v && v->is_string() && !v->as_string().empty())
        spec["storage"] = {{"size", *v}};
    if (const auto* v = stored.if_contains("values"); v && v->is_object() && !v->as_object().empty()) spec["values"] = *v;
    return object("Service", metadata(s.name, s.project_name, s.id), std::move(spec));
}

json::object build_object(const store::ClusterBuild& b) {
    json::object spec{{"appName", b.app_name}};
    if (!b.git_ref.empty() && b.git_ref != "HEAD") spec["gitRef"] = b.git_ref;
    if (!b.image.empty()) spec["image"] = b.image;  // deployed as is (a rollback): no tag of its own
    else if (!b.image_tag.empty()) spec["imageTag"] = b.image_tag;
    if (!b.source_digest.empty()) spec["source"] = {{"kind", "upload"}, {"digest", b.source_digest}};
    return object("AppBuild", metadata(build_object_name(b.id), b.project_name, b.id), std::move(spec));
}

std::string build_object_name(std::string_view build_id) { return "build-" + std::string(build_id); }

std::optional<std::string> build_id_of(std::string_view name) {
    if (!name.starts_with("build-") || name.size() == 6) return std::nullopt;
    return std::string(name.substr(6));
}

}  // namespace sb::server::agent
