#pragma once
// What the API server's schema cannot check about an App: combinations of
// fields, and which fields may not change after creation. Pure functions;
// every problem is a message a user can act on.
#include <boost/json/object.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace sb::op {

// Records the git URL the App was created with (the URL is immutable, see
// README.md); the operator and the build controller use this value.
inline constexpr std::string_view kAcceptedGitUrlAnnotation = "shapeblock.io/git-url";

// ssh://... or scp-like user@host:path.
bool is_ssh_git_url(std::string_view url);

struct AppValidationInput {
    std::string default_registry;  // the operator's, used when the App names none
};

struct AppValidation {
    std::vector<std::string> problems;  // empty = valid
    // The build strategy recorded in status.buildType: dockerfile, buildpack,
    // image, or detect (the build looks for a Dockerfile).
    std::string build_type;
    // A private repository without git.secretName gets a generated key.
    bool needs_deploy_key = false;

    bool valid() const { return problems.empty(); }
    // All problems in one sentence list, for status.message.
    std::string message() const;
};

AppValidation validate_app(const boost::json::object& app, const AppValidationInput& input = {});

// Fields that may not change after creation (see README.md). Returns the
// App with those fields set back to their accepted values, plus one
// message per ignored change.
struct ImmutableFieldCheck {
    boost::json::object effective;       // the App the operator acts on
    std::vector<std::string> ignored;    // "git.url cannot change ..."
};
ImmutableFieldCheck apply_immutable_fields(const boost::json::object& app);

// The git URL to build from: the accepted one when recorded, else spec.git.url.
std::string effective_git_url(const boost::json::object& app);

}  // namespace sb::op
