#include "server/api/app_body.hpp"

#include <boost/json/array.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <stdexcept>

#include "server/core/api_error.hpp"

namespace sb::server::api {
namespace json = boost::json;

namespace {

void validate_url(const std::string& field, const std::string& url) {
    bool scheme = url.starts_with("https://") || url.starts_with("http://") || url.starts_with("ssh://") || url.starts_with("git@");
    if (!scheme || url.find_first_of(" \t\r\n\"'`<>") != std::string::npos)
        throw invalid_field(field, field + " must be an https://, http://, ssh:// or git@ URL");
}

void validate_domain(const std::string& field, const std::string& d) {
    bool ok = !d.empty() && d.size() <= 253 && d.front() != '.' && d.front() != '-' && d.find("..") == std::string::npos;
    for (char c : d) ok = ok && ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '*');
    if (!ok) throw invalid_field(field, field + " is not a valid host name");
}

}  // namespace

void apply_app_body(BodyReader& body, json::object& spec, AppSecrets& secrets) {
    if (auto v = body.string("displayName", {.max_length = 200})) spec["displayName"] = *v;
    if (auto v = body.string("description", {.max_length = 2000})) spec["description"] = *v;
    if (auto git = body.object("git")) {
        json::object g;
        if (auto url = git->string("url", {.max_length = 2048})) {
            validate_url("git.url", *url);
            g["url"] = *url;
        }
        g["branch"] = git->string("branch", {.max_length = 255}).value_or("main");
        g["isPrivate"] = git->boolean("isPrivate").value_or(false);
        if (auto token = git->string("token", {.max_length = 4096})) secrets.git_token = *token;
        git->finish();
        spec["git"] = std::move(g);
    }
    if (auto registry = body.object("registry")) {
        json::object r;
        if (auto url = registry->string("url", {.max_length = 2048})) r["url"] = *url;
        if (auto user = registry->string("username", {.max_length = 255})) r["username"] = *user;
        if (auto password = registry->string("password", {.max_length = 4096})) secrets.registry_password = *password;
        registry->finish();
        spec["registry"] = std::move(r);
    }
    if (auto build = body.object("build")) {
        json::object b;
        auto type = build->string("type", {.max_length = 20}).value_or("dockerfile");
        if (type != "dockerfile" && type != "buildpack" && type != "image")
            throw invalid_field("build.type", "build.type must be dockerfile, buildpack or image");
        b["type"] = type;
        if (auto v = build->string("builderImage", {.max_length = 512})) b["builderImage"] = *v;
        if (auto v = build->string("image", {.max_length = 512})) b["image"] = *v;
        if (auto v = build->string("dockerfile", {.max_length = 512})) b["dockerfile"] = *v;
        build->finish();
        if (type == "image" && !b.contains("image")) throw invalid_field("build.image", "build.image is required when build.type is image");
        spec["build"] = std::move(b);
    }
    if (auto domains = body.string_list("domains", 50, {.max_length = 253})) {
        json::array arr;
        for (std::size_t i = 0; i < domains->size(); ++i) {
            validate_domain("domains[" + std::to_string(i) + "]", (*domains)[i]);
            arr.push_back(json::string((*domains)[i]));
        }
        spec["domains"] = std::move(arr);
    }
    if (auto services = body.string_list("services", 50, {.max_length = 64})) {
        json::array arr;
        for (const auto& s : *services) arr.push_back(json::string(s));
        spec["services"] = std::move(arr);
    }
    if (auto env = body.raw_object("env")) {
        if (env->size() > 500) throw invalid_field("env", "env has more than 500 variables");
        for (const auto& [k, v] : *env) {
            validate_env_key("env." + std::string(k), std::string(k));
            if (!v.is_string()) throw invalid_field("env." + std::string(k), "env." + std::string(k) + " must be a string");
            if (v.as_string().size() > 32768) throw invalid_field("env." + std::string(k), "env value is too long");
        }
        secrets.env = *env;
    }
}

std::string app_secrets_json(const AppSecrets& s) {
    return json::serialize(
        json::object{{"env", s.env}, {"gitToken", s.git_token}, {"registryPassword", s.registry_password}});
}

AppSecrets app_secrets_from_json(std::string_view text) {
    std::error_code ec;
    auto v = json::parse(text, ec);
    if (ec || !v.is_object()) throw std::invalid_argument("an app's secrets are not a JSON object");
    const auto& o = v.get_object();
    AppSecrets s;
    if (const auto* e = o.if_contains("env"); e && e->is_object()) s.env = e->get_object();
    if (const auto* g = o.if_contains("gitToken"); g && g->is_string()) s.git_token = std::string(g->get_string());
    if (const auto* r = o.if_contains("registryPassword"); r && r->is_string()) s.registry_password = std::string(r->get_string());
    return s;
}

json::object default_app_spec(const std::string& name) {
    return {{"displayName", name},
            {"description", ""},
            {"git", json::object{}},
            {"registry", json::object{}},
            {"build", {{"type", "dockerfile"}}},
            {"domains", json::array{}},
            {"services", json::array{}}};
}

}  // namespace sb::server::api
