// PUT .../apps/{app}/source against the real server, the test playing the
// cluster's operator: the request's checks (content type, size limit before
// and while reading, the cluster's presence and abilities), the archive
// relayed in order as sourceChunk pieces whose digest the server computed,
// each sent only after the previous ack, the build of the upload reaching
// the cluster as an AppBuild with spec.source, and the operator's refusals
// as the client's errors.
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <future>
#include <openssl/evp.h>

#include "agent/limits.hpp"
#include "agent/source_digest.hpp"
#include "common/json_fields.hpp"
#include "tests/server/fake_agent.hpp"
#include "tests/server/server_fixture.hpp"

namespace sb::server::testing {
namespace {
namespace json = boost::json;
using namespace std::chrono_literals;

constexpr std::uint64_t kLimit = 2 << 20;

// Bytes that start like gzip (the server checks only the magic; the cluster unpacks).
std::string fake_archive(std::size_t size) {
    std::string out = "\x1f\x8b";
    out.reserve(size);
    for (std::size_t i = 2; i < size; ++i) out += static_cast<char>((i * 7919) % 251);
    return out;
}

std::string digest_of(const std::string& bytes) {
    sb::agent::SourceDigest d;
    d.update(bytes);
    return d.finish();
}

class SourceUpload : public ::testing::TestWithParam<Backend> {
protected:
    void SetUp() override {
        server = std::make_unique<TestServer>(GetParam(), [](Config& c) { c.source_upload_limit_bytes = kLimit; });
        admin = std::make_unique<ApiClient>(server->admin());
        team = server->default_team(*admin);
        place = licensed_project_on_cluster(*admin, team);
        auto a = admin->post(place.project_path + "/apps", json::object{{"name", "web"}, {"build", {{"type", "dockerfile"}}}});
        ASSERT_EQ(a.status, 201) << a.body;
        app = place.project_path + "/apps/" + std::string(a.json().at("id").as_string());
    }
    // The operator, connected, saying it takes uploads (or not).
    std::unique_ptr<FakeAgent> connect(bool takes_uploads = true) {
        auto agent = std::make_unique<FakeAgent>(server->port(), place.agent_token);
        auto hello = test_hello();
        if (takes_uploads) hello.capabilities.push_back("sourceUpload");
        agent->send({"", hello});
        EXPECT_TRUE(agent->expect<sb::agent::Welcome>());
        agent->send({"", sb::agent::Snapshot{0, true, {}}});
        return agent;
    }
    HttpResult upload(const std::string& body, const std::string& content_type = "application/gzip") const {
        return admin->request("PUT", app + "/source", body, {{"Content-Type", content_type}});
    }
    std::unique_ptr<TestServer> server;
    std::unique_ptr<ApiClient> admin;
    std::string team, app;
    ProjectOnCluster place;
};

TEST_P(SourceUpload, TheArchiveIsRelayedPieceByPieceAndBuilt) {
    auto agent = connect();
    const auto archive = fake_archive(sb::agent::kMaxSourceChunkBytes * 2 + 1000);
    auto answer = std::async(std::launch::async, [&] { return upload(archive); });
    std::string received;
    std::size_t pieces = 0;
    sb::agent::SourceChunk last;
    for (;;) {
        auto chunk = agent->expect<sb::agent::SourceChunk>(20s);
        ASSERT_TRUE(chunk) << "the server stopped sending pieces";
        EXPECT_EQ(chunk->second.namespace_, "shop");
        EXPECT_EQ(chunk->second.app, "web");
        EXPECT_EQ(chunk->second.offset, static_cast<std::int64_t>(received.size())) << "pieces come in order";
        received += chunk->second.data;
        ++pieces;
        agent->send({"", sb::agent::Ack{chunk->first, std::nullopt}});
        if (chunk->second.last) {
            last = chunk->second;
            break;
        }
    }
    EXPECT_EQ(pieces, 3u);
    EXPECT_EQ(received, archive);
    EXPECT_EQ(last.size, static_cast<std::int64_t>(archive.size()));
    EXPECT_EQ(last.digest, digest_of(archive)) << "the server names the archive by the SHA-256 of what passed";

    auto result = answer.get();
    ASSERT_EQ(result.status, 201) << result.body;
    auto build = result.json();
    EXPECT_EQ(build.at("source").at("kind").as_string(), "upload");
    EXPECT_EQ(build.at("source").at("digest").as_string(), last.digest);
    EXPECT_EQ(build.at("source").at("size").as_int64(), static_cast<std::int64_t>(archive.size()));
    EXPECT_EQ(build.at("trigger").as_string(), "upload");
    const std::string build_id(build.at("id").as_string());

    // The build reaches the cluster with the upload as its source.
    bool seen = false;
    while (auto apply = agent->expect<sb::agent::Apply>(10s)) {
        agent->send({"", sb::agent::Ack{apply->first, std::nullopt}});
        if (sb::get_string(apply->second.object, "kind") != "AppBuild") continue;
        EXPECT_EQ(sb::get_string(apply->second.object, "metadata.name"), "build-" + build_id);
        EXPECT_EQ(sb::get_string(apply->second.object, "spec.source.kind"), "upload");
        EXPECT_EQ(sb::get_string(apply->second.object, "spec.source.digest"), last.digest);
        EXPECT_EQ(sb::get_string(apply->second.object, "spec.gitRef"), "") << "nothing to clone";
        seen = true;
        break;
    }
    EXPECT_TRUE(seen);
    // The App has no repository, so it carries no git at all (the CRD wants a URL in git).
    auto shown = admin->get(app + "/builds/" + build_id);
    ASSERT_EQ(shown.status, 200);
    EXPECT_EQ(shown.json().at("source").at("digest").as_string(), last.digest);
    // Nothing of the archive is kept by the server.
    for (const auto& row : server->storage().raw_query("SELECT source_digest, source_size FROM builds WHERE id = '" + build_id + "'"))
        EXPECT_EQ(row.at(0), last.digest);
}

TEST_P(SourceUpload, RequestsAreCheckedBeforeTheClusterSeesAByte) {
    auto agent = connect();
    auto wrong_type = upload(fake_archive(100), "application/json");
    EXPECT_EQ(wrong_type.status, 415) << wrong_type.body;
    EXPECT_NE(wrong_type.body.find("application/gzip"), std::string::npos);

    auto not_gzip = upload("plain text, not an archive");
    EXPECT_EQ(not_gzip.status, 400) << not_gzip.body;
    EXPECT_NE(not_gzip.body.find("not gzip"), std::string::npos);

    auto too_big = upload(fake_archive(kLimit + 1));
    EXPECT_EQ(too_big.status, 413) << too_big.body;
    EXPECT_EQ(too_big.error_code(), "payload_too_large");
    EXPECT_NE(too_big.body.find("2 MiB"), std::string::npos) << "the message names the limit: " << too_big.body;
    EXPECT_NE(too_big.body.find("--source-upload-limit"), std::string::npos);

    // Announced too large with Expect: 100-continue: refused before the body is sent.
    auto raw = admin->raw("PUT " + app + "/source HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + admin->bearer +
                          "\r\nContent-Type: application/gzip\r\nContent-Length: " + std::to_string(kLimit * 10) +
                          "\r\nExpect: 100-continue\r\n\r\n");
    EXPECT_TRUE(raw.starts_with("HTTP/1.1 413")) << raw;
    EXPECT_EQ(raw.find("100 Continue"), std::string::npos) << raw;

    // An image app builds no source.
    auto image = admin->post(place.project_path + "/apps", json::object{{"name", "cache"}, {"build", {{"type", "image"}, {"image", "redis:7"}}}});
    ASSERT_EQ(image.status, 201);
    auto refused = admin->request("PUT", place.project_path + "/apps/" + std::string(image.json().at("id").as_string()) + "/source",
                                  fake_archive(100), {{"Content-Type", "application/gzip"}});
    EXPECT_EQ(refused.status, 409) << refused.body;

    // A viewer may not upload (like starting a build).
    auto viewer = server->create_user(*admin, "viewer@example.test");
    ASSERT_EQ(admin->post("/api/v1/teams/" + team + "/members", json::object{{"email", "viewer@example.test"}, {"role", "viewer"}}).status, 201);
    auto forbidden = viewer.request("PUT", app + "/source", fake_archive(100), {{"Content-Type", "application/gzip"}});
    EXPECT_EQ(forbidden.status, 403) << forbidden.body;

    // No refused upload reached the cluster: the next thing it hears is a new desired state, not a piece.
    auto next = admin->post(place.project_path + "/apps", json::object{{"name", "other"}, {"build", {{"type", "dockerfile"}}}});
    ASSERT_EQ(next.status, 201);
    while (auto m = agent->receive(10s)) {
        EXPECT_FALSE(std::holds_alternative<sb::agent::SourceChunk>(m->body)) << "a refused upload reached the cluster";
        if (auto* apply = std::get_if<sb::agent::Apply>(&m->body); apply && sb::get_string(apply->object, "metadata.name") == "other") break;
    }
}

TEST_P(SourceUpload, AClusterThatIsAwayOrCannotStoreItIsNamed) {
    auto offline = upload(fake_archive(100));
    EXPECT_EQ(offline.status, 503) << offline.body;
    EXPECT_EQ(offline.error_code(), "cluster_unavailable");

    {
        auto old_operator = connect(false);
        auto too_old = upload(fake_archive(100));
        EXPECT_EQ(too_old.status, 409) << too_old.body;
        EXPECT_NE(too_old.body.find("upgrade"), std::string::npos);
    }

    auto agent = connect();
    auto answer = std::async(std::launch::async, [&] { return upload(fake_archive(1000)); });
    auto chunk = agent->expect<sb::agent::SourceChunk>(20s);
    ASSERT_TRUE(chunk);
    agent->send({"", sb::agent::Ack{chunk->first, sb::agent::Error{sb::agent::ErrorCode::unavailable,
                                                                   "the app's registry cannot be reached: connection refused"}}});
    auto result = answer.get();
    EXPECT_EQ(result.status, 503) << result.body;
    EXPECT_NE(result.body.find("connection refused"), std::string::npos) << result.body;

    answer = std::async(std::launch::async, [&] { return upload(fake_archive(1000)); });
    chunk = agent->expect<sb::agent::SourceChunk>(20s);
    ASSERT_TRUE(chunk);
    agent->send({"", sb::agent::Ack{chunk->first, sb::agent::Error{sb::agent::ErrorCode::invalid, "the registry refused: DENIED"}}});
    result = answer.get();
    EXPECT_EQ(result.status, 502) << result.body;
    EXPECT_NE(result.body.find("DENIED"), std::string::npos);

    // The operator goes away mid-upload: the client hears so at once.
    answer = std::async(std::launch::async, [&] { return upload(fake_archive(sb::agent::kMaxSourceChunkBytes + 10)); });
    chunk = agent->expect<sb::agent::SourceChunk>(20s);
    ASSERT_TRUE(chunk);
    agent.reset();
    result = answer.get();
    EXPECT_EQ(result.status, 503) << result.body;
    auto builds = admin->get(app + "/builds").json();
    EXPECT_TRUE(builds.at("items").as_array().empty()) << "no build of an upload that was not stored";
}

INSTANTIATE_TEST_SUITE_P(Backends, SourceUpload, ::testing::Values(Backend::sqlite, Backend::postgres),
                         [](const auto& info) { return backend_name(info.param); });

}  // namespace
}  // namespace sb::server::testing
