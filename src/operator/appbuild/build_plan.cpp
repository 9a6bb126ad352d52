#include "operator/appbuild/build_plan.hpp"

#include <boost/json/array.hpp>
#include <boost/json/serialize.hpp>
#include <openssl/evp.h>
#include <stdexcept>

#include "operator/common/crd_types.hpp"
#include "operator/source/source_artifact.hpp"

namespace sb::op::appbuild {

namespace json = boost::json;

namespace {

std::string sha256_hex(std::string_view data) {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    EVP_Digest(data.data(), data.size(), digest, &len, EVP_sha256(), nullptr);
    static const char* hex = "0123456789abcdef";
    std::string out;
    for (unsigned int i = 0; i < len; ++i) {
        out += hex[digest[i] >> 4];
        out += hex[digest[i] & 0xf];
    }
    return out;
}

std::vector<BuildVar> build_vars_of(const json::object& appbuild) {
    std::vector<BuildVar> vars;
    const auto* spec = find_object(appbuild, "spec");
    if (!spec) return vars;
    if (auto* list = spec->if_contains("buildVars"); list && list->is_array()) {
        for (const auto& item : list->get_array()) {
            if (!item.is_object()) continue;
            const auto& o = item.get_object();
            BuildVar v;
            if (auto* k = o.if_contains("key"); k && k->is_string()) v.key = k->get_string();
            if (auto* val = o.if_contains("value"); val && val->is_string()) v.value = val->get_string();
            if (!v.key.empty()) vars.push_back(std::move(v));
        }
    }
    return vars;
}

}  // namespace

std::string anonymous_clone_url(const std::string& url) {
    std::string host, path;
    if (url.starts_with("ssh://")) {
        auto rest = std::string_view(url).substr(6);
        auto slash = rest.find('/');
        if (slash == std::string_view::npos) return url;
        auto authority = rest.substr(0, slash);
        if (auto at = authority.rfind('@'); at != std::string_view::npos) authority.remove_prefix(at + 1);
        if (authority.find(':') != std::string_view::npos) return url;  // a port of its own: no https equivalent known
        host = authority;
        path = rest.substr(slash + 1);
    } else if (url.find("://") == std::string::npos) {
        auto at = url.find('@');
        auto colon = url.find(':');
        if (at == std::string::npos || colon == std::string::npos || colon < at) return url;
        host = url.substr(at + 1, colon - at - 1);
        path = url.substr(colon + 1);
    } else {
        return url;
    }
    while (!path.empty() && path.front() == '/') path.erase(0, 1);
    if (host.empty() || path.empty()) return url;
    return "https://" + host + "/" + path;
}

bool is_commit_sha(std::string_view ref) {
    if (ref.size() != 40) return false;
    for (char c : ref)
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
    return true;
}

std::string app_image_repository(const json::object& app, std::string_view ns, const RegistryDefaults& registry) {
    std::string registry_url = get_string(app, "spec.registry.url");
    if (registry_url.empty()) registry_url = registry.url;
    if (registry_url.empty())
        throw std::invalid_argument("no registry: set spec.registry.url on the App or a default registry on the operator");
    while (!registry_url.empty() && registry_url.back() == '/') registry_url.pop_back();
    return registry_url + "/" + std::string(ns) + "/" + get_string(app, "metadata.name");
}

std::string app_registry_secret(const json::object& app, const RegistryDefaults& registry) {
    auto secret = get_string(app, "spec.registry.secretName");
    return secret.empty() ? registry.secret_name : secret;
}

BuildPlan plan_build(const json::object& app, const json::object& appbuild, const BuildConfig& config,
                     const RegistryDefaults& registry) {
    BuildPlan plan;
    const std::string app_name = get_string(app, "metadata.name");
    const std::string ns = get_string(appbuild, "metadata.namespace");
    const std::string type = get_string(app, "spec.build.type");

    // An explicit image on the AppBuild (rollback) or an App of type image: no build.
    std::string image = get_string(appbuild, "spec.image");
    if (image.empty() && type == "image") {
        image = get_string(app, "spec.build.image");
        if (image.empty()) throw std::invalid_argument("the App has build.type image but no build.image");
    }
    if (!image.empty()) {
        plan.image_only = true;
        plan.image = image;
        return plan;
    }

    BuildRequest& r = plan.request;
    r.namespace_ = ns;
    r.app_name = app_name;
    r.build_name = get_string(appbuild, "metadata.name");
    r.build_uid = get_string(appbuild, "metadata.uid");
    const auto source_kind = get_string(appbuild, "spec.source.kind");
    if (source_kind == "upload") {
        r.source_digest = get_string(appbuild, "spec.source.digest");
        if (r.source_digest.empty()) throw std::invalid_argument("spec.source.kind is upload but spec.source.digest is empty");
    } else {
        r.git_url = get_string(app, "spec.git.url");
        if (r.git_url.empty())
            throw std::invalid_argument("the App has no spec.git.url to build from: push its directory instead (sb push --path)");
        r.git_ref = get_string(appbuild, "spec.gitRef");
        if (r.git_ref.empty()) r.git_ref = get_string(app, "spec.git.branch");
        const bool is_private = get_bool(app, "spec.git.isPrivate").value_or(false);
        r.git_secret = get_string(app, "spec.git.secretName");
        // The generated deploy key serves a private repository only (it is
        // deleted when the repository stops being private).
        if (r.git_secret.empty() && is_private) r.git_secret = get_string(app, "status.deployKeySecretName");
        if (r.git_secret.empty() && is_private)
            throw std::invalid_argument("the repository is private and the App has no git secret or deploy key yet");
        if (r.git_secret.empty()) r.git_url = anonymous_clone_url(r.git_url);
    }
    r.context_path = get_string(app, "spec.build.contextPath");
    r.dockerfile = get_string(app, "spec.build.dockerfile");

    r.image_repository = app_image_repository(app, ns, registry);
    if (!r.source_digest.empty()) r.source_repository = source::source_repository(r.image_repository);
    r.image_tag = get_string(appbuild, "spec.imageTag");
    r.registry_secret = app_registry_secret(app, registry);

    if (type == "dockerfile") r.type = BuildType::dockerfile;
    else if (type == "buildpack") r.type = BuildType::buildpack;
    else r.type = BuildType::detect;
    const std::string builder = get_string(app, "spec.build.builder");
    r.builder = builder == "buildah"  ? DockerfileBuilder::buildah
                : builder == "kaniko" ? DockerfileBuilder::kaniko
                                      : config.dockerfile_builder;
    r.builder_image = get_string(app, "spec.build.builderImage");
    r.build_vars = build_vars_of(appbuild);
    // Layer reuse for buildpacks: the image deployed now, when it is ours.
    const std::string current = get_string(app, "status.currentImage");
    if (current.rfind(r.image_repository + ":", 0) == 0 || current.rfind(r.image_repository + "@", 0) == 0)
        r.previous_image = current;

    // An upload's "url" is "upload": its builds are told apart by their digest, the commit they report.
    json::object settings{{"url", r.source_digest.empty() ? r.git_url : std::string("upload")},
                          {"context", r.context_path},
                          {"dockerfile", r.dockerfile},
                          {"type", to_string(r.type)},
                          {"builder", to_string(r.builder)},
                          {"builderImage", r.builder_image},
                          {"repository", r.image_repository}};
    json::array vars;
    for (const auto& v : r.build_vars) vars.push_back(json::array{v.key, v.value});
    settings["buildVars"] = std::move(vars);
    plan.settings_fingerprint = sha256_hex(json::serialize(settings)).substr(0, 32);
    return plan;
}

}  // namespace sb::op::appbuild
