#include "tests/e2e/support/local_images.hpp"

#include <openssl/evp.h>

#include <cstdlib>
#include <functional>
#include <stdexcept>

#include <map>

#include "tests/support/child_process.hpp"
#include "tests/e2e/support/node_layout.hpp"
#include "tests/support/scratch.hpp"

#ifndef SB_E2E_SOURCE_DIR
#error "SB_E2E_SOURCE_DIR must point at tests/e2e"
#endif

namespace sb::e2e {
namespace fs = std::filesystem;
using testenv::read_file;
using testenv::run_command;

namespace {

const fs::path kSourceDir = SB_E2E_SOURCE_DIR;

std::string sha256_hex(const std::string& data) {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    if (EVP_Digest(data.data(), data.size(), digest, &length, EVP_sha256(), nullptr) != 1)
        throw std::runtime_error("sha256 failed");
    static const char* hex = "0123456789abcdef";
    std::string out;
    for (unsigned i = 0; i < length; ++i) {
        out += hex[digest[i] >> 4];
        out += hex[digest[i] & 0xf];
    }
    return out;
}

fs::path cache_dir() {
    const char* home = std::getenv("HOME");
    return fs::path(home ? home : "/root") / ".cache/shapeblock/e2e-images";
}

// Versions of the packages whose files end up in the images.
std::string package_versions() {
    return run_command({"dpkg-query", "-W", "-f", "${Package}=${Version}\n", "busybox-static", "buildah", "git",
                        "openssh-client", "libc6", "golang-github-containers-common"});
}

struct Recipe {
    std::string name;
    std::map<std::string, std::string> extra_files;  // path in the rootfs -> content
    std::vector<std::string> rootfs_items;  // binaries and directories for make-rootfs.sh
    std::vector<std::string> config;        // `buildah config` arguments
    bool with_pause = false;                // the static pause binary instead of a rootfs
    std::string content_key;                // what else decides the image (a binary's own hash)
};

LocalImage build_or_reuse(const Recipe& recipe, const std::string& versions, const fs::path& buildah_root) {
    std::string inputs = recipe.name + "\n" + versions + read_file(kSourceDir / "images/make-rootfs.sh") +
                         read_file(kSourceDir / "images/pause.c");
    for (const auto& item : recipe.rootfs_items) inputs += "item " + item + "\n";
    for (const auto& arg : recipe.config) inputs += "config " + arg + "\n";
    for (const auto& [path, content] : recipe.extra_files) inputs += "file " + path + "\n" + content;
    inputs += recipe.content_key;
    const std::string hash = sha256_hex(inputs).substr(0, 16);
    LocalImage image{recipe.name, "localhost/sb-e2e/" + recipe.name + ":" + hash,
                     cache_dir() / (recipe.name + "-" + hash + ".tar")};
    if (fs::exists(image.archive)) return image;

    fs::create_directories(cache_dir());
    testenv::ScratchDir work("e2e-image-" + recipe.name);
    const fs::path rootfs = work / "rootfs";
    if (recipe.with_pause) {
        fs::create_directories(rootfs);
        run_command({"gcc", "-static", "-O2", "-o", (rootfs / "pause").string(), (kSourceDir / "images/pause.c").string()});
    } else {
        std::vector<std::string> argv{(kSourceDir / "images/make-rootfs.sh").string(), rootfs.string()};
        argv.insert(argv.end(), recipe.rootfs_items.begin(), recipe.rootfs_items.end());
        run_command(argv);
    }
    for (const auto& [path, content] : recipe.extra_files) {
        fs::create_directories((rootfs / path).parent_path());
        testenv::write_file(rootfs / path, content);
    }
    auto buildah = [&](std::vector<std::string> args) { return run_command(buildah_command(buildah_root, std::move(args))); };
    const std::string container = "sb-e2e-image-" + recipe.name;
    try {
        buildah({"rm", container});  // left by an interrupted build
    } catch (const std::exception&) {
    }
    buildah({"from", "--name", container, "scratch"});
    buildah({"copy", container, rootfs.string() + "/", "/"});
    std::vector<std::string> config{"config"};
    config.insert(config.end(), recipe.config.begin(), recipe.config.end());
    config.push_back(container);
    buildah(config);
    buildah({"commit", "-q", container, image.reference});
    buildah({"rm", container});
    const fs::path partial = image.archive.string() + ".partial";
    fs::remove(partial);
    buildah({"push", "-q", image.reference, "docker-archive:" + partial.string() + ":" + image.reference});
    fs::rename(partial, image.archive);
    return image;
}

}  // namespace

LocalImage build_operator_image(const fs::path& buildah_root, const fs::path& operator_binary) {
    const std::string binary_hash = sha256_hex(read_file(operator_binary)).substr(0, 16);
    // Stripped, at a path named by its content: the image holds it at that path.
    const fs::path stripped = cache_dir() / ("operator-bin-" + binary_hash) / "shapeblock-operator";
    if (!fs::exists(stripped)) {
        fs::create_directories(stripped.parent_path());
        run_command({"objcopy", "--strip-debug", operator_binary.string(), stripped.string() + ".partial"});
        fs::rename(stripped.string() + ".partial", stripped);
    }
    return build_or_reuse({"operator", {}, {stripped.string()}, {"--entrypoint", "[\"" + stripped.string() + "\"]"}, false,
                           binary_hash},
                          package_versions(), buildah_root);
}

std::vector<std::string> buildah_command(const fs::path& buildah_root, std::vector<std::string> args) {
    std::vector<std::string> argv{"buildah", "--root", (buildah_root / "storage").string(), "--runroot",
                                  (buildah_root / "run").string(), "--storage-driver", "vfs"};
    argv.insert(argv.end(), args.begin(), args.end());
    return argv;
}

LocalImages build_local_images(const fs::path& buildah_root) {
    const std::string versions = package_versions();
    LocalImages images;
    images.pause = build_or_reuse({"pause", {}, {}, {"--entrypoint", R"(["/pause"])"}, true}, versions, buildah_root);
    images.busybox = build_or_reuse({"busybox", {}, {}, {"--env", "PATH=/bin", "--cmd", "/bin/sh"}}, versions, buildah_root);
    images.git = build_or_reuse(
        {"git",
         {},
         {"/usr/bin/git", "/usr/lib/git-core", "/usr/share/git-core", "/usr/bin/ssh", "/usr/bin/ssh-keygen",
          "/usr/bin/ssh-keyscan"},
         {"--env", "PATH=/usr/bin:/bin", "--env", "HOME=/work", "--cmd", "/bin/sh"}},
        versions, buildah_root);
    // No storage.conf or registries.conf of our own: the operator passes
    // --storage-driver=vfs to every buildah command and --tls-verify=false
    // for the node's plain-HTTP registry (--insecure-registries), as it must
    // with a stock buildah image.
    images.buildah = build_or_reuse({"buildah",
                                     {},
                                     {"/usr/bin/buildah", "/etc/containers"},
                                     {"--env", "PATH=/usr/bin:/bin", "--env", "BUILDAH_ISOLATION=chroot", "--env",
                                      "STORAGE_DRIVER=vfs", "--env", "HOME=/root", "--cmd", "/bin/sh"}},
                                    versions, buildah_root);
    return images;
}

}  // namespace sb::e2e
