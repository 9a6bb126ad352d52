#include "operator/source/fetch_source_command.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <optional>
#include <fstream>
#include <sstream>
#include <string>

#include "agent/objects.hpp"
#include "agent/source_digest.hpp"
#include "operator/registry/registry_client.hpp"
#include "operator/source/source_unpack.hpp"

namespace sb::op::source {

namespace {

int say(int code, const std::string& message) {
    std::fprintf(code == 0 ? stdout : stderr, "shapeblock: %s\n", message.c_str());
    return code;
}

std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return "";
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

}  // namespace

int run_fetch_source_command(int argc, char** argv) {
    CLI::App app{"shapeblock-operator fetch-source: fetch an uploaded source from the app's registry and unpack it (a build pod's first step)"};
    app.name("shapeblock-operator fetch-source");
    std::string repository, digest, into = "/workspace/src", docker_config = "/etc/shapeblock/registry/config.json";
    std::string archive_path = "/workspace/.sb/source.tar.gz";
    bool insecure = false;
    app.add_option("--repository", repository, "Repository of the app's sources: <registry>/<namespace>/<app>/source")
        ->envname("SOURCE_REPOSITORY")
        ->required();
    app.add_option("--digest", digest, "sha256:<hex> of the upload")->envname("SOURCE_DIGEST")->required();
    app.add_option("--into", into, "Directory to unpack into (made when missing)")->envname("SOURCE_DIR")->capture_default_str();
    app.add_option("--docker-config", docker_config, "Docker config JSON with the registry's login (absent: anonymous)")
        ->envname("SOURCE_DOCKER_CONFIG")
        ->capture_default_str();
    app.add_option("--archive", archive_path, "Where the archive is kept while it is checked")->capture_default_str();
    app.add_flag("--insecure", insecure, "The registry is reached over plain HTTP or without certificate checks")
        ->envname("SOURCE_INSECURE_REGISTRY");
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        return app.exit(e);
    }
    if (!sb::agent::is_sha256_digest(digest)) return say(fetch_usage, "fetch-source: --digest must be sha256:<64 hex>, got '" + digest + "'");

    registry::Repository where;
    std::optional<registry::Credentials> login;
    try {
        where = registry::parse_repository(repository);
        if (auto config = read_file(docker_config); !config.empty()) login = registry::credentials_for(config, where.host);
    } catch (const std::exception& e) {
        return say(fetch_usage, std::string("fetch-source: ") + e.what());
    }

    std::filesystem::create_directories(std::filesystem::path(archive_path).parent_path());
    const int archive_fd = ::open(archive_path.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (archive_fd < 0) return say(fetch_corrupt, "cannot write " + archive_path + ": " + std::strerror(errno));
    struct Cleanup {
        int fd;
        std::string path;
        ~Cleanup() {
            ::close(fd);
            ::unlink(path.c_str());
        }
    } cleanup{archive_fd, archive_path};

    sb::agent::SourceDigest hash;
    std::uint64_t size = 0;
    bool write_failed = false;
    try {
        boost::asio::io_context io;
        registry::RegistryClient client(io.get_executor(), where, login, insecure, false);
        auto done = boost::asio::co_spawn(io, client.get_blob(digest, [&](std::string_view bytes) {
            hash.update(bytes);
            size += bytes.size();
            if (::write(archive_fd, bytes.data(), bytes.size()) != static_cast<ssize_t>(bytes.size())) write_failed = true;
        }), boost::asio::use_future);
        io.run();
        done.get();
    } catch (const registry::RegistryUnreachable& e) {
        return say(fetch_unreachable, std::string("fetching the source failed: ") + e.what());
    } catch (const registry::RegistryRefused& e) {
        return say(fetch_refused, std::string("fetching the source ") + digest + " from " + repository + " failed: " + e.what());
    } catch (const std::exception& e) {
        return say(fetch_unreachable, std::string("fetching the source failed: ") + e.what());
    }
    if (write_failed) return say(fetch_corrupt, "cannot write " + archive_path + " (is the workspace full?)");
    if (auto got = hash.finish(); got != digest)
        return say(fetch_corrupt, "the source fetched from " + repository + " is " + got + ", not the upload " + digest);

    try {
        std::filesystem::create_directories(into);
        ::lseek(archive_fd, 0, SEEK_SET);
        auto result = unpack_source(archive_fd, into);
        std::string skipped = result.skipped ? ", " + std::to_string(result.skipped) + " special files and hard links skipped" : "";
        return say(0, "fetched source " + digest.substr(0, 19) + " (" + std::to_string(size) + " bytes): " +
                          std::to_string(result.files) + " files, " + std::to_string(result.directories) + " directories, " +
                          std::to_string(result.links) + " links" + skipped);
    } catch (const std::exception& e) {
        return say(fetch_corrupt, std::string("unpacking the source failed: ") + e.what());
    }
}

}  // namespace sb::op::source
