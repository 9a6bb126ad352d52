#include "operator/app/app_validation.hpp"

#include <boost/json/array.hpp>

#include "operator/common/crd_types.hpp"

namespace sb::op {

namespace json = boost::json;

bool is_ssh_git_url(std::string_view url) {
    if (url.starts_with("ssh://")) return true;
    if (url.find("://") != std::string_view::npos) return false;
    auto at = url.find('@');
    auto colon = url.find(':');
    return at != std::string_view::npos && colon != std::string_view::npos && at < colon;
}

std::string AppValidation::message() const {
    std::string out;
    for (const auto& p : problems) {
        if (!out.empty()) out += "; ";
        out += p;
    }
    return out;
}

// Long on purpose: a flat list of independent checks, each a few lines, in
// the order of the App's spec; splitting it would only scatter the list.
AppValidation validate_app(const json::object& app, const AppValidationInput& input) {
    AppValidation v;
    auto url = get_string(app, "spec.git.url");
    auto secret = get_string(app, "spec.git.secretName");
    bool is_private = get_bool(app, "spec.git.isPrivate").value_or(false);
    auto type = get_string(app, "spec.build.type");
    auto image = get_string(app, "spec.build.image");
    auto builder = get_string(app, "spec.build.builder");
    auto builder_image = get_string(app, "spec.build.builderImage");
    auto dockerfile = get_string(app, "spec.build.dockerfile");
    auto context_path = get_string(app, "spec.build.contextPath");

    // Build strategy.
    if (type.empty() && !image.empty()) type = "image";  // an image alone means: deploy it
    v.build_type = type.empty() ? "detect" : type;
    if (type == "image") {
        if (image.empty())
            v.problems.push_back(
                "build.type is image but build.image is empty: set build.image to the image to deploy "
                "(for example registry.example.com/team/app:1.0) or choose build.type dockerfile or buildpack");
        if (!builder_image.empty()) v.problems.push_back("build.builderImage is only used by buildpack builds; remove it");
        if (!builder.empty()) v.problems.push_back("build.builder is only used by dockerfile builds; remove it");
        if (!dockerfile.empty()) v.problems.push_back("build.dockerfile is only used by dockerfile builds; remove it");
    } else {
        if (!image.empty())
            v.problems.push_back("build.image is only used with build.type image; set build.type: image to deploy " +
                                 image + " as is, or remove build.image");
        if (type == "dockerfile" && !builder_image.empty())
            v.problems.push_back("build.builderImage is only used by buildpack builds; remove it or set build.type: buildpack");
        if (type == "buildpack" && !builder.empty())
            v.problems.push_back("build.builder (kaniko/buildah) is only used by dockerfile builds; remove it");
        if (type == "buildpack" && !dockerfile.empty())
            v.problems.push_back("build.dockerfile is only used by dockerfile builds; remove it or set build.type: dockerfile");
    }
    for (auto [field, path] : {std::pair{"build.contextPath", context_path}, std::pair{"build.dockerfile", dockerfile}}) {
        if (path == ".." || path.starts_with("../") || path.find("/../") != std::string::npos || path.ends_with("/.."))
            v.problems.push_back(std::string(field) + " '" + path + "' leaves the repository; use a path inside it");
    }

    // Registry: only a build pushes.
    if (v.build_type != "image" && get_string(app, "spec.registry.url").empty() && input.default_registry.empty())
        v.problems.push_back(
            "no registry to push the built image to: set registry.url (and registry.secretName), or give the operator "
            "a default registry (--default-registry)");

    // Git credentials.
    bool ssh = is_ssh_git_url(url);
    if (secret.empty() && is_private && !ssh) {
        v.problems.push_back(
            "git.url uses https but the repository is private and git.secretName is empty: either use the SSH URL "
            "(git@host:org/repo.git) so the operator can generate a deploy key, or create a Secret with username and "
            "password (or token) and set git.secretName");
    }
    // Deploy keys authenticate SSH only; https + private without a secret is
    // reported above. A public repository needs no key (the build clones an
    // SSH URL over https then, see appbuild/build_plan).
    v.needs_deploy_key = secret.empty() && ssh && is_private;

    // Environment.
    if (const auto* spec = find_object(app, "spec")) {
        if (auto it = spec->find("env"); it != spec->end() && it->value().is_array()) {
            for (const auto& e : it->value().get_array()) {
                if (!e.is_object()) continue;
                const auto& entry = e.get_object();
                if (entry.contains("value") && entry.contains("valueFrom"))
                    v.problems.push_back("env " + get_string(entry, "name") +
                                         " has both value and valueFrom; keep one of them");
            }
        }
    }
    return v;
}

ImmutableFieldCheck apply_immutable_fields(const json::object& app) {
    ImmutableFieldCheck check{app, {}};
    auto accepted = effective_git_url(app);
    auto requested = get_string(app, "spec.git.url");
    if (accepted != requested) {
        ensure_object(check.effective, "spec.git")["url"] = accepted;
        check.ignored.push_back("git.url cannot change after the app is created (still building from " + accepted +
                                "); change it back, or create a new app for the other repository");
    }
    return check;
}

std::string effective_git_url(const json::object& app) {
    if (const auto* annotations = find_object(app, "metadata.annotations")) {
        auto it = annotations->find(kAcceptedGitUrlAnnotation);
        if (it != annotations->end() && it->value().is_string() && !it->value().get_string().empty())
            return std::string(it->value().get_string());
    }
    return get_string(app, "spec.git.url");
}

}  // namespace sb::op
