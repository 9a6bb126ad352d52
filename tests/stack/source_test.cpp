// sb push --path through the whole stack on the local control plane: a
// directory packed as sb packs it, uploaded through the server's API, relayed
// over the agent link to the real operator, which stores it in the app's
// registry (a real docker-registry, with a login) as an OCI artifact; the
// AppBuild of it reaches the cluster with the upload as its source and a
// build Job whose first step fetches it; and that step, the real
// `shapeblock-operator fetch-source`, gets the directory back from the
// registry with the app's registry Secret.
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <cstdio>
#include <fstream>
#include <random>

#include "agent/source_digest.hpp"
#include "cli/source_archive.hpp"
#include "common/base64.hpp"
#include "common/json_fields.hpp"
#include "kube/resource.hpp"
#include "operator/common/crd_types.hpp"
#include "tests/stack/local_registry.hpp"
#include "tests/stack/stack_test.hpp"

namespace sb::stacktest {
namespace {

namespace json = boost::json;
namespace fs = std::filesystem;
namespace crds = op::crds;
using namespace std::chrono_literals;

std::string read_all(std::FILE* file) {
    std::string out;
    char buffer[65536];
    for (std::size_t n; (n = std::fread(buffer, 1, sizeof buffer, file)) > 0;) out.append(buffer, n);
    std::rewind(file);
    return out;
}

void write(const fs::path& file, const std::string& text) {
    fs::create_directories(file.parent_path());
    testenv::write_file(file, text);
}

std::string digest_of(const std::string& bytes) {
    sb::agent::SourceDigest d;
    d.update(bytes);
    return d.finish();
}

class StackSource : public StackTest {
protected:
    static void SetUpTestSuite() {
        registry_ = new LocalRegistry();
        stack_ = new Stack(StackOptions{{"--insecure-registries", registry_->host()}});
    }
    static void TearDownTestSuite() {
        StackTest::TearDownTestSuite();
        delete registry_;
        registry_ = nullptr;
    }
    // The app "site" in project "uploads": no repository, the stack's registry with its login.
    void make_app() {
        if (!app_path_.empty()) return;
        auto project = expect_json(api().post(team_path() + "/projects", json::object{{"name", "uploads"}, {"clusterId", stack_->cluster_id()}}),
                                   201, "project");
        project_path_ = team_path() + "/projects/" + std::string(project.at("id").as_string());
        auto app = expect_json(api().post(project_path_ + "/apps",
                                          json::object{{"name", "site"},
                                                       {"build", {{"type", "dockerfile"}}},
                                                       {"registry", {{"url", registry_->host()}, {"username", registry_->user()},
                                                                     {"password", registry_->password()}}}}),
                               201, "app");
        app_path_ = project_path_ + "/apps/" + std::string(app.at("id").as_string());
        ASSERT_TRUE(in_cluster(crds::apps, "uploads", "site")) << "the App never reached the cluster";
        ASSERT_TRUE(in_cluster(kube::resources::secrets, "uploads", "site-registry")) << "its registry Secret never came";
    }
    // A directory like a user's: a Dockerfile, code, and what the ignore files leave out.
    fs::path make_directory(std::size_t big_file_bytes = 0) {
        const auto dir = scratch_.path() / ("site-" + std::to_string(++dirs_));
        write(dir / "Dockerfile", "FROM busybox\nCOPY . /www\nCMD [\"httpd\", \"-f\", \"-h\", \"/www\"]\n");
        write(dir / "index.html", "<h1>uploaded " + std::to_string(dirs_) + "</h1>\n");
        write(dir / ".gitignore", "*.log\n");
        write(dir / "debug.log", "left out\n");
        if (big_file_bytes) {
            // Random bytes do not compress: the archive outgrows the operator's 8 MiB buffer.
            std::mt19937_64 random(42);
            std::string big(big_file_bytes, '\0');
            for (auto& c : big) c = static_cast<char>(random());
            write(dir / "assets/big.bin", big);
        }
        return dir;
    }
    HttpResult upload(const std::string& archive) {
        return api().request("PUT", app_path_ + "/source", archive, {{"Content-Type", "application/gzip"}});
    }

    static inline LocalRegistry* registry_ = nullptr;
    testenv::ScratchDir scratch_{"stack-source"};
    int dirs_ = 0;
    static inline std::string project_path_, app_path_;
};

TEST_F(StackSource, AnUploadedDirectoryIsStoredInTheAppsRegistryAndBuilt) {
    make_app();
    const auto dir = make_directory();
    auto packed = cli::pack_source(dir);
    const auto archive = read_all(packed.file.get());
    const auto digest = digest_of(archive);

    auto answer = upload(archive);
    ASSERT_EQ(answer.status, 201) << answer.body << stack_->logs();
    auto build = answer.json();
    EXPECT_EQ(build.at("source").at("digest").as_string(), digest);
    const std::string build_name = "build-" + std::string(build.at("id").as_string());

    // The artifact in the registry, next to where the app's images go.
    const std::string hex = digest.substr(7);
    auto manifest = json::parse(registry_->get("/v2/uploads/site/source/manifests/sha256-" + hex,
                                               "application/vnd.oci.image.manifest.v1+json"));
    EXPECT_EQ(sb::get_string(manifest.as_object(), "artifactType"), "application/vnd.shapeblock.source.v1");
    EXPECT_EQ(manifest.at("layers").at(0).at("digest").as_string(), digest);
    EXPECT_EQ(manifest.at("layers").at(0).at("size").as_int64(), static_cast<std::int64_t>(archive.size()));
    EXPECT_EQ(registry_->get("/v2/uploads/site/source/blobs/" + digest), archive) << "the blob is the upload, byte for byte";

    // The AppBuild has the upload as its source; its Job fetches it before the clone step.
    auto appbuild = in_cluster(crds::appbuilds, "uploads", build_name);
    ASSERT_TRUE(appbuild);
    EXPECT_EQ(sb::get_string(*appbuild, "spec.source.kind"), "upload");
    EXPECT_EQ(sb::get_string(*appbuild, "spec.source.digest"), digest);
    auto job = in_cluster(kube::resources::jobs, "uploads", build_name);
    ASSERT_TRUE(job) << "no build Job" << stack_->logs();
    const auto& init = job->at("spec").at("template").at("spec").at("initContainers").as_array();
    ASSERT_GE(init.size(), 2u);
    EXPECT_EQ(init.at(0).at("name").as_string(), "source");
    EXPECT_EQ(init.at(0).at("args").at(0).as_string(), "fetch-source");
    std::map<std::string, std::string> env;
    for (const auto& e : init.at(0).at("env").as_array())
        env[std::string(e.at("name").as_string())] = e.as_object().contains("value") ? std::string(e.at("value").as_string()) : "";
    EXPECT_EQ(env["SOURCE_REPOSITORY"], registry_->host() + "/uploads/site/source");
    EXPECT_EQ(env["SOURCE_DIGEST"], digest);
    EXPECT_EQ(env["SOURCE_INSECURE_REGISTRY"], "true");

    // The build pod's source step, played here by the real command with the
    // Secret the pod mounts: the directory comes back, minus what was ignored.
    auto secret = kube.get(kube::resources::secrets, "uploads", "site-registry");
    const auto config = scratch_.path() / "config.json";
    testenv::write_file(config, base64_decode(secret.at("data").at(".dockerconfigjson").as_string()));
    const auto into = scratch_.path() / "workspace" / "src";
    auto out = testenv::run_command({SB_OPERATOR_BINARY, "fetch-source", "--repository", env["SOURCE_REPOSITORY"], "--digest", digest,
                                     "--into", into.string(), "--docker-config", config.string(), "--archive",
                                     (scratch_.path() / "workspace/.sb/source.tar.gz").string(), "--insecure"});
    EXPECT_NE(out.find("fetched source"), std::string::npos) << out;
    EXPECT_EQ(testenv::read_file(into / "index.html"), "<h1>uploaded 1</h1>\n");
    EXPECT_TRUE(fs::exists(into / "Dockerfile"));
    EXPECT_FALSE(fs::exists(into / "debug.log")) << ".gitignore honoured";
    EXPECT_FALSE(fs::exists(scratch_.path() / "workspace/.sb/source.tar.gz")) << "the archive is removed once unpacked";

    // A wrong digest is refused, not unpacked.
    EXPECT_THROW(testenv::run_command({SB_OPERATOR_BINARY, "fetch-source", "--repository", env["SOURCE_REPOSITORY"], "--digest",
                                       "sha256:" + std::string(64, '0'), "--into", (scratch_.path() / "other").string(),
                                       "--docker-config", config.string(), "--insecure"}),
                 std::runtime_error);
}

TEST_F(StackSource, ALargeUploadGoesToTheRegistryInChunksAndTheSameOneTwiceIsStoredOnce) {
    make_app();
    auto packed = cli::pack_source(make_directory(12 << 20));
    const auto archive = read_all(packed.file.get());
    ASSERT_GT(archive.size(), 8u << 20) << "larger than what the operator keeps in memory";
    const auto digest = digest_of(archive);
    auto first = upload(archive);
    ASSERT_EQ(first.status, 201) << first.body << stack_->logs();
    EXPECT_EQ(registry_->get("/v2/uploads/site/source/blobs/" + digest), archive);
    auto again = upload(archive);
    ASSERT_EQ(again.status, 201) << again.body;
    EXPECT_EQ(again.json().at("source").at("digest").as_string(), digest);
    EXPECT_NE(again.json().at("id"), first.json().at("id")) << "a new build of the same upload";
}

}  // namespace
}  // namespace sb::stacktest
