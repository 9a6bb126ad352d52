#pragma once
// The Kubernetes Job that builds one AppBuild: a pure function of the
// request and the build settings, so it can be checked without a cluster.
//
// Pod layout:
//   init "source"  only for an uploaded source (sb push --path): fetches the
//                  archive from the app's registry and unpacks it where the
//                  clone would have cloned (shapeblock-operator fetch-source,
//                  source/fetch_source_command.hpp); then "clone" clones
//                  nothing and only does the rest of its work.
//   init "clone"   clones the repository (shallow where possible) into the
//                  workspace, resolves the commit, picks the build type when
//                  none is given (a Dockerfile at the context path means
//                  dockerfile, otherwise buildpack), computes the image
//                  reference and writes `commit=`, `type=`, `image=` lines
//                  to its termination message. On failure it exits with a
//                  CloneExit code and its last log lines become the message.
//   builder        kaniko or buildah (dockerfile) or the CNB lifecycle
//                  creator (buildpack); writes the pushed digest to its
//                  termination message. With type detection the dockerfile
//                  builder is a second init container and the creator the
//                  main container; the one not chosen exits 0 at once.
#include <boost/json/object.hpp>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "operator/appbuild/build_config.hpp"

namespace sb::op::appbuild {

enum class BuildType { dockerfile, buildpack, image, detect };

std::string_view to_string(BuildType type);
std::string_view to_string(DockerfileBuilder builder);

// Exit codes of the clone step, read back by build_status.
enum CloneExit : int {
    clone_auth_failed = 10,      // credentials missing or refused, or no access to the repository
    clone_ref_not_found = 11,    // branch, tag or commit does not exist
    clone_unreachable = 12,      // host unknown or unreachable
    clone_git_error = 13,        // any other git failure
    clone_missing_path = 14,     // context path or Dockerfile missing
};

struct BuildVar {
    std::string key;
    std::string value;
};

struct BuildRequest {
    std::string namespace_;   // the project namespace (App and AppBuild live there)
    std::string app_name;
    std::string build_name;   // the AppBuild; also the Job's name
    std::string build_uid;    // owner reference

    std::string git_url;      // "" for an uploaded source
    std::string git_ref;      // branch, tag or commit; "" = the remote's default branch
    std::string git_secret;   // ssh-privatekey (+known_hosts) or username/password|token; "" = public
    std::string context_path; // inside the repository; "" = root
    std::string dockerfile;   // relative to the context; "" = Dockerfile

    // An uploaded source (AppBuild spec.source.kind upload): its archive's
    // digest, stored in source_repository (source/source_artifact.hpp).
    // Builds of it report the digest as their commit.
    std::string source_digest;
    std::string source_repository;

    std::string image_repository;  // <registry>/<project>/<app>
    std::string image_tag;         // "" = the first 12 characters of the commit
    std::string registry_secret;   // dockerconfigjson secret for push (and base image pulls); "" = none
    std::string previous_image;    // buildpack layer reuse; "" = none

    BuildType type = BuildType::detect;
    DockerfileBuilder builder = DockerfileBuilder::kaniko;
    std::string builder_image;     // buildpack builder; "" = the configured default
    std::vector<BuildVar> build_vars;
    // Commits already built with the same settings (their images exist): the
    // clone step resolves the ref, and when the commit is one of these it
    // reports `reuse=true` and nothing is built.
    std::vector<std::string> reusable_commits;
};

// Names shared with build_status.
inline constexpr std::string_view kSourceContainer = "source";
inline constexpr std::string_view kCloneContainer = "clone";
inline constexpr std::string_view kBuildContainer = "build";
inline constexpr std::string_view kDockerfileContainer = "build-dockerfile";  // detect mode
inline constexpr std::string_view kBuildpackContainer = "build-buildpack";    // detect mode
inline constexpr std::string_view kBuildLabel = "shapeblock.io/build";
inline constexpr std::string_view kBuildTypeAnnotation = "shapeblock.io/build-type";

// The Job name for an AppBuild (deterministic: a restarted operator finds
// the Job it created instead of creating a second one).
std::string job_name_for(std::string_view build_name);

// The tag of a build without imageTag: the commit's first 12 characters, or
// for an upload (commit "sha256:<hex>") "src-" and the first 12 hex digits.
// The clone script computes the same.
std::string commit_tag(std::string_view commit);

// The registry host of an image repository ("reg:5000/p/a" -> "reg:5000").
std::string registry_host(std::string_view repository);

// Throws std::invalid_argument naming the field when the request cannot
// produce a Job (missing URL, repository, type image...).
boost::json::object build_job(const BuildRequest& request, const BuildConfig& config);

}  // namespace sb::op::appbuild
