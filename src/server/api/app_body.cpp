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

}  // namespace

void validate_domain(const std::string& field, const std::string& d) {
    bool ok = !d.empty() && d.size() <= 253 && d.front() != '.' && d.front() != '-' && d.find("..") == std::string::npos;
    for (char c : d) ok = ok && ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '*');
    if (!ok) throw invalid_field(field, field + " is not a valid host name");
}

namespace {

// A path inside the repository, as the App CRD's pattern and the operator
// want it: relative, no whitespace, no ".." segment.
void validate_repository_path(const std::string& field, const std::string& path) {
    std::string problem;
    if (path.empty()) problem = " must not be empty (omit it for the default)";
    else if (path.front() == '/') problem = " must be relative to the repository (no leading /)";
    else if (path.find_first_of(" \t\r\n\f\v") != std::string::npos) problem = " must not contain whitespace";
    for (std::size_t start = 0; problem.empty() && start <= path.size();) {
        auto end = path.find('/', start);
        if (end == std::string::npos) end = path.size();
        if (path.compare(start, end - start, "..") == 0) problem = " must stay inside the repository (no .. segments)";
        start = end + 1;
    }
    if (!problem.empty()) throw invalid_field(field, field + problem);
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
        if (type != "dockerfile" && type != "buildpack" && type != "image" && type != "detect")
            throw invalid_field("build.type", "build.type must be dockerfile, buildpack, image or detect");
        b["type"] = type;
        if (auto v = build->string("builderImage", {.max_length = 512})) b["builderImage"] = *v;
        if (auto v = build->string("image", {.max_length = 512})) b["image"] = *v;
        if (auto v = build->string("dockerfile", {.max_length = 512})) {
            validate_repository_path("build.dockerfile", *v);
            b["dockerfile"] = *v;
        }
        if (auto v = build->string("contextPath", {.max_length = 1024})) {
            validate_repository_path("build.contextPath", *v);
            b["contextPath"] = *v;
        }
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

const json::object& app_body_schema() {
    // The limits and patterns apply_app_body enforces; a relative path inside the
    // repository is also what the App CRD accepts (and the operator re-checks).
    static const json::object schema = json::parse(R"JSON({
      "type": "object",
      "properties": {
        "name": {"type": "string", "maxLength": 63, "description": "create only"},
        "displayName": {"type": "string", "maxLength": 200},
        "description": {"type": "string", "maxLength": 2000},
        "git": {"type": "object", "additionalProperties": false, "properties": {
          "url": {"type": "string", "maxLength": 2048, "pattern": "^(https://|http://|ssh://|git@)"},
          "branch": {"type": "string", "maxLength": 255, "default": "main"},
          "isPrivate": {"type": "boolean", "default": false,
                        "description": "a private repository without token gets a generated SSH deploy key"},
          "token": {"type": "string", "maxLength": 4096, "writeOnly": true}}},
        "registry": {"type": "object", "additionalProperties": false, "properties": {
          "url": {"type": "string", "maxLength": 2048},
          "username": {"type": "string", "maxLength": 255},
          "password": {"type": "string", "maxLength": 4096, "writeOnly": true}}},
        "build": {"type": "object", "additionalProperties": false, "properties": {
          "type": {"type": "string", "enum": ["dockerfile", "buildpack", "image", "detect"], "default": "dockerfile",
                   "description": "detect: a Dockerfile means dockerfile, otherwise buildpack; the app's status.buildType shows the outcome"},
          "builderImage": {"type": "string", "maxLength": 512},
          "image": {"type": "string", "maxLength": 512, "description": "required with type image"},
          "dockerfile": {"type": "string", "maxLength": 512, "pattern": "^[^/\\s][^\\s]*$",
                         "description": "path of the Dockerfile relative to contextPath (default Dockerfile); no .. segments"},
          "contextPath": {"type": "string", "maxLength": 1024, "pattern": "^[^/\\s][^\\s]*$",
                          "description": "sub-directory of the repository used as build context (default the root); no .. segments"}}},
        "domains": {"type": "array", "maxItems": 50, "items": {"type": "string", "maxLength": 253}},
        "services": {"type": "array", "maxItems": 50, "items": {"type": "string", "maxLength": 64}},
        "env": {"type": "object", "maxProperties": 500, "additionalProperties": {"type": "string", "maxLength": 32768}}
      }
    })JSON").as_object();
    return schema;
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
