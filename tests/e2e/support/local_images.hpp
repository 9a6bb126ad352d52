#pragma once
// The images the e2e node needs, made on this machine without any registry:
// a rootfs assembled from the machine's own binaries (and their libraries),
// committed with `buildah from scratch` and saved as a docker archive that
// containerd imports. Archives are cached under
// ~/.cache/shapeblock/e2e-images/ keyed by a hash of their inputs (the
// scripts, the pause source and the versions of the Debian packages the
// binaries come from), so only the first run on a machine builds them.
#include <filesystem>
#include <string>
#include <vector>

namespace sb::e2e {

struct LocalImage {
    std::string name;                // pause, git, buildah, busybox
    std::string reference;           // localhost/sb-e2e/<name>:<hash>
    std::filesystem::path archive;   // docker-archive file
};

struct LocalImages {
    LocalImage pause;    // the pod sandbox
    LocalImage git;      // git + ssh, for clone init containers
    LocalImage buildah;  // buildah, for in-pod Dockerfile builds
    LocalImage busybox;  // busybox-static: the base image of test apps

    std::vector<const LocalImage*> all() const { return {&pause, &git, &buildah, &busybox}; }
};

// Builds (or finds in the cache) every image. `buildah_root` is scratch
// storage for buildah (vfs driver).
LocalImages build_local_images(const std::filesystem::path& buildah_root);

// An image of `operator_binary` (stripped of debug information), whose
// entrypoint is the binary: what a build of an uploaded source runs as its
// `source` step (`shapeblock-operator fetch-source`). Cached by the
// binary's content.
LocalImage build_operator_image(const std::filesystem::path& buildah_root, const std::filesystem::path& operator_binary);

// buildah with scratch storage under the node's directories.
std::vector<std::string> buildah_command(const std::filesystem::path& buildah_root, std::vector<std::string> args);

}  // namespace sb::e2e
