#pragma once
// The shell scripts run inside build pods. Constant text: every parameter
// reaches them through environment variables or "$@", never by splicing
// user input into the script.
#include <string_view>

namespace sb::op::appbuild::scripts {

// POSIX sh (busybox in alpine/git). Env: GIT_URL, GIT_REF, CONTEXT_PATH,
// DOCKERFILE, BUILD_TYPE (dockerfile|buildpack|detect), IMAGE_REPOSITORY,
// IMAGE_TAG, BUILD_VAR_KEYS (space separated; the values in SBV_0, SBV_1, ...),
// HOME. Credentials, when mounted, in /etc/shapeblock/git.
extern const std::string_view clone;
// "$@" = kaniko executor flags; the destination is read from the workspace.
extern const std::string_view kaniko;
// "$@" = buildah build flags; env CONTEXT_DIR, BUILDAH_PUSH_FLAGS.
extern const std::string_view buildah;
// "$@" = lifecycle creator flags; the image is the last argument added here.
extern const std::string_view creator;

}  // namespace sb::op::appbuild::scripts
