#pragma once
// The images builds run, pinned in one place: the operator's configuration
// defaults to them and so does appbuild::BuildConfig. Every one can be
// replaced by a flag (mirrors, air-gapped registries).
#include <string_view>

namespace sb::op::build_images {

inline constexpr std::string_view git = "alpine/git:v2.47.2";
// A maintained kaniko fork; the variant with a shell (/busybox/sh) because
// the build step is a small script around the executor.
inline constexpr std::string_view kaniko = "ghcr.io/kaniko-build/dist/chainguard-dev-kaniko/executor:v1.25.2-debug";
inline constexpr std::string_view buildah = "quay.io/buildah/stable:v1.39.3";
inline constexpr std::string_view buildpack_builder = "paketobuildpacks/builder-jammy-base:0.4.470";

}  // namespace sb::op::build_images
