#pragma once
// Where and how an app's uploaded sources are kept: in the app's own
// registry, next to its images (<image repository>/source, as the layer
// cache is <image repository>/cache), each an OCI artifact of one gzip layer
// (the archive as uploaded) and the empty config, tagged after its digest so
// the registry's garbage collection keeps it. The operator already pushes
// there with the app's registry Secret, and the cluster's registry is where
// the build pod pulls from anyway: nothing new to run, back up or secure.
#include <cstdint>
#include <string>
#include <string_view>

namespace sb::op::source {

inline constexpr std::string_view kArtifactType = "application/vnd.shapeblock.source.v1";
inline constexpr std::string_view kManifestMediaType = "application/vnd.oci.image.manifest.v1+json";
inline constexpr std::string_view kLayerMediaType = "application/vnd.oci.image.layer.v1.tar+gzip";
inline constexpr std::string_view kEmptyConfigMediaType = "application/vnd.oci.empty.v1+json";
inline constexpr std::string_view kEmptyConfig = "{}";

// "<image repository>/source".
std::string source_repository(std::string_view image_repository);
// "sha256-<hex>": a tag may not hold ':'.
std::string source_tag(std::string_view digest);
// The artifact's manifest for an archive of `size` bytes named `digest`.
std::string source_manifest(std::string_view digest, std::int64_t size);
// sha256:<hex> of kEmptyConfig.
std::string empty_config_digest();

}  // namespace sb::op::source
