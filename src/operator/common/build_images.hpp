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
// The operator's own image (its `fetch-source` command unpacks an uploaded
// source in the build pod); the chart sets it to the image it runs.
inline constexpr std::string_view source = "ghcr.io/shapeblock/shapeblock-operator:0.1.0";

}  // namespace sb::op::build_images
