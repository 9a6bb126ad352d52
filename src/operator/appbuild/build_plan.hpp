#pragma once
// From an App and one of its AppBuilds to what must happen: deploy a given
// image, or build with this request. Pure (no API calls), so every rule —
// the build type, the image repository, credentials, the fingerprint used
// for image reuse — is unit-tested.
#include <boost/json/object.hpp>
#include <string>

#include "operator/appbuild/job_builder.hpp"

namespace sb::op::appbuild {

struct RegistryDefaults {
    std::string url;          // used when the App names no registry
    std::string secret_name;  // the registry secret copied into every project namespace
};

struct BuildPlan {
    bool image_only = false;  // no Job: deploy `image`
    std::string image;        // for image_only
    BuildRequest request;     // otherwise
    // Hash of everything that shapes the built image except the commit:
    // two builds of one commit with the same fingerprint produce the same image.
    std::string settings_fingerprint;
};

// Where the App's images go: <registry>/<namespace>/<app>, the registry
// being the App's or the operator's default. Throws std::invalid_argument
// when there is none.
std::string app_image_repository(const boost::json::object& app, std::string_view ns, const RegistryDefaults& registry);
// The dockerconfigjson Secret (in the App's namespace) with the login for that registry.
std::string app_registry_secret(const boost::json::object& app, const RegistryDefaults& registry);

// Throws std::invalid_argument with a message for the user when the App
// cannot be built (no registry, type image without an image...).
BuildPlan plan_build(const boost::json::object& app, const boost::json::object& appbuild, const BuildConfig& config,
                     const RegistryDefaults& registry);

// A public repository named by an SSH URL is cloned over https, because SSH
// wants a key even for public repositories: git@host:org/repo.git and
// ssh://git@host/org/repo.git become https://host/org/repo.git (an SSH URL
// with its own port, and every other URL, stay as they are).
std::string anonymous_clone_url(const std::string& url);

// True for a full 40-character hex commit SHA (reuse can be decided before cloning).
bool is_commit_sha(std::string_view ref);

inline constexpr std::string_view kSettingsAnnotation = "shapeblock.io/build-settings";

}  // namespace sb::op::appbuild
