#include "agent/codec.hpp"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "agent/limits.hpp"

namespace sb::agent {
namespace {

namespace json = boost::json;

const Error& failure(const DecodeResult& r) {
    static const Error none{ErrorCode::internal, "decoded: no failure"};
    return std::holds_alternative<DecodeFailure>(r) ? std::get<DecodeFailure>(r).error : none;
}

Message round_trip(const Message& m) {
    auto decoded = decode(encode(m), sender_of(m.body));
    EXPECT_TRUE(std::holds_alternative<Message>(decoded))
        << encode(m) << " → " << failure(decoded).message;
    return std::holds_alternative<Message>(decoded) ? std::get<Message>(decoded) : Message{};
}

Status app_status() {
    return Status{{"App", "shop", "web"},
                  "4711",
                  3,
                  json::parse(R"({"phase":"Running"})").as_object(),
                  false};
}

TEST(AgentCodec, EveryMessageRoundTrips) {
    const std::vector<Message> messages = {
        {"", Hello{"c-1", "0.1.0", "v1.30.2", {1}, {"apply", "logs"}, {3, 6000, 12LL << 30}}},
        {"", app_status()},
        {"", Status{{"AppBuild", "shop", "web-7"}, "9", 1, {}, true}},
        {"", Snapshot{2,
                      true,
                      {app_status(),
                       Status{{"Project", "", "shop"}, "1", 1, {{"phase", "Active"}}, false}}}},
        {"", LogChunk{"s1", "web-7-build-abc", "kaniko", "Step 1/3\n", false, ""}},
        {"", LogChunk{"s1", "", "", "", true, "pod deleted"}},
        {"", Ack{"s-1", std::nullopt}},
        {"", Ack{"s-2", Error{ErrorCode::forbidden, "kind 'Deployment' is not a ShapeBlock kind"}}},
        {"", Welcome{1, "0.1.0"}},
        {"s-3", Apply{json::parse(R"({"apiVersion":"apps.shapeblock.io/v1alpha1","kind":"App",
                                     "metadata":{"name":"web","namespace":"shop"},"spec":{"image":"nginx"}})")
                          .as_object()}},
        {"s-4", Delete{{"Service", "shop", "db"}}},
        {"s-5", OpenLogs{"s5", {"App", "shop", "web"}, "web-abc", true, 100, 3600}},
        {"s-6",
         OpenLogs{"s6", {"AppBuild", "shop", "web-7"}, "", false, std::nullopt, std::nullopt}},
        {"s-7", CloseLogs{"s5"}},
        {"s-8", AppSecret{"shop", "web", "env", {{"DATABASE_URL", "postgres://u:p@db/shop"}, {"EMPTY", ""}}}},
        {"s-9", AppSecret{"shop", "web", "git", {{"token", "ghp_x"}}}},
        {"s-10", AppSecret{"shop", "web", "registry", {}}},
        {"s-11", SourceChunk{"u-1", "shop", "web", 0, std::string("\x1f\x8b\x08\0binary", 10), false, 0, ""}},
        {"s-12", SourceChunk{"u-1", "shop", "web", 10, "end", true, 13, "sha256:" + std::string(64, 'a')}},
        {"s-13", SourceChunk{"u-2", "shop", "web", 0, "", true, 0, "sha256:" + std::string(64, '0')}},
        {"s-14", ReadServiceCredentials{"shop", "db"}},
        {"", ServiceCredentials{"s-14", {{"HOST", "db.shop.svc"}, {"PASSWORD", "p@ss"}, {"PORT", "5432"}}}},
    };
    for (const auto& m : messages) EXPECT_EQ(round_trip(m), m) << encode(m);
}

TEST(AgentCodec, TheWireFormatIsTheDocumentedOne) {
    auto frame = json::parse(encode({"s-9", Delete{{"App", "shop", "web"}}})).as_object();
    EXPECT_EQ(frame.at("v").as_int64(), 1);
    EXPECT_EQ(frame.at("type").as_string(), "delete");
    EXPECT_EQ(frame.at("id").as_string(), "s-9");
    EXPECT_EQ(json::serialize(frame.at("payload")),
              R"({"object":{"kind":"App","name":"web","namespace":"shop"}})");
    auto ack = json::parse(encode({"", Ack{"s-9", Error{ErrorCode::not_found, "no App shop/web"}}}))
                   .as_object();
    EXPECT_EQ(
        json::serialize(ack.at("payload")),
        R"({"replyTo":"s-9","ok":false,"error":{"code":"notFound","message":"no App shop/web"}})");
}

TEST(AgentCodec, MalformedFramesNameWhatIsWrong) {
    struct Case {
        const char* frame;
        ErrorCode code;
        const char* says;
    };
    const Case cases[] = {
        {"", ErrorCode::malformed, "not a JSON object"},
        {"[1,2]", ErrorCode::malformed, "not a JSON object"},
        {R"({"type":"delete","payload":{}})", ErrorCode::malformed, "v is required"},
        {R"({"v":2,"type":"delete","payload":{}})", ErrorCode::unsupported_version, "version 2"},
        {R"({"v":1,"payload":{}})", ErrorCode::malformed, "type is required"},
        {R"({"v":1,"type":"explode","payload":{}})", ErrorCode::unknown_type, "explode"},
        {R"({"v":1,"type":"delete"})", ErrorCode::malformed, "payload is required"},
        {R"({"v":1,"type":"delete","payload":{"object":{"kind":"App","name":"web"}}})",
         ErrorCode::malformed, "payload.object: App web: metadata.namespace"},
        {R"({"v":1,"type":"delete","payload":{"object":{"kind":"App","name":"Web!","namespace":"a"}}})",
         ErrorCode::malformed, "DNS-1123"},
        {R"({"v":1,"type":"openLogs","payload":{"streamId":"x","object":{"kind":"Service","name":"db","namespace":"a"}}})",
         ErrorCode::malformed, "App or AppBuild"},
        {R"({"v":1,"type":"openLogs","payload":{"streamId":"x","follow":"yes","object":{"kind":"App","name":"w","namespace":"a"}}})",
         ErrorCode::malformed, "payload.follow must be true or false"},
        {R"({"v":1,"type":"openLogs","payload":{"streamId":"x","tailLines":-1,"object":{"kind":"App","name":"w","namespace":"a"}}})",
         ErrorCode::malformed, "payload.tailLines"},
        {R"({"v":1,"type":"closeLogs","payload":{"streamId":7}})", ErrorCode::malformed,
         "payload.streamId must be a string"},
    };
    for (const auto& c : cases) {
        auto r = decode(c.frame, Sender::server);
        ASSERT_TRUE(std::holds_alternative<DecodeFailure>(r)) << c.frame;
        EXPECT_EQ(failure(r).code, c.code) << c.frame << " → " << failure(r).message;
        EXPECT_NE(failure(r).message.find(c.says), std::string::npos)
            << c.frame << " → " << failure(r).message;
    }
}

TEST(AgentCodec, TheIdSurvivesAFailureSoTheAckCanName) {
    auto r = decode(
        R"({"v":1,"id":"s-77","type":"delete","payload":{"object":{"kind":"Deployment","name":"x","namespace":"y"}}})",
        Sender::server);
    ASSERT_TRUE(std::holds_alternative<DecodeFailure>(r));
    EXPECT_EQ(std::get<DecodeFailure>(r).id, "s-77");
    EXPECT_EQ(failure(r).code, ErrorCode::forbidden);
}

TEST(AgentCodec, OnlyShapeBlockObjectsMayBeApplied) {
    for (
        const char* object : {
            R"({"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"x","namespace":"shop"}})",
            R"({"apiVersion":"rbac.authorization.k8s.io/v1","kind":"ClusterRole","metadata":{"name":"x"}})",
            R"({"apiVersion":"v1","kind":"Secret","metadata":{"name":"x","namespace":"shop"}})",
            R"({"apiVersion":"apps.shapeblock.io/v1alpha1","kind":"Secret","metadata":{"name":"x","namespace":"shop"}})",
            R"({"apiVersion":"apps.shapeblock.io/v2","kind":"App","metadata":{"name":"x","namespace":"shop"}})",
        }) {
        auto r = decode(
            R"({"v":1,"id":"s-1","type":"apply","payload":{"object":)" + std::string(object) + "}}",
            Sender::server);
        EXPECT_EQ(failure(r).code, ErrorCode::forbidden) << object << " → " << failure(r).message;
    }
}

TEST(AgentCodec, EachSideOnlyAcceptsWhatTheOtherSends) {
    const auto apply = encode(
        {"s-1", Apply{json::parse(R"({"apiVersion":"apps.shapeblock.io/v1alpha1","kind":"Project",
                                                           "metadata":{"name":"shop"}})")
                          .as_object()}});
    EXPECT_TRUE(std::holds_alternative<Message>(decode(apply, Sender::server)));
    EXPECT_EQ(failure(decode(apply, Sender::op)).code, ErrorCode::unknown_type);
    const auto status = encode({"", app_status()});
    EXPECT_EQ(failure(decode(status, Sender::server)).code, ErrorCode::unknown_type);
}

TEST(AgentCodec, LimitsAreEnforced) {
    std::string big(kMaxMessageBytes + 1, ' ');
    EXPECT_EQ(failure(decode(big, Sender::op)).code, ErrorCode::too_large);

    std::string deep(100, '[');
    EXPECT_EQ(failure(decode(R"({"v":1,"type":"x","payload":)" + deep, Sender::op)).code,
              ErrorCode::malformed);

    LogChunk chunk{"s", "", "", std::string(kMaxLogChunkBytes + 1, 'x'), false, ""};
    EXPECT_EQ(failure(decode(encode({"", chunk}), Sender::op)).code, ErrorCode::too_large);

    Snapshot snapshot{0, true, std::vector<Status>(kMaxSnapshotObjects + 1, app_status())};
    EXPECT_EQ(failure(decode(encode({"", snapshot}), Sender::op)).code, ErrorCode::too_large);

    EXPECT_EQ(
        failure(decode(encode({std::string(kMaxIdBytes + 1, 'i'), CloseLogs{"s"}}), Sender::server))
            .code,
        ErrorCode::too_large);
}

TEST(AgentCodec, AnAppSecretHasTheDocumentedWireFormat) {
    auto frame = json::parse(encode({"s-1", AppSecret{"shop", "web", "env", {{"A", "1"}, {"B", "two"}}}})).as_object();
    EXPECT_EQ(frame.at("type").as_string(), "appSecret");
    EXPECT_EQ(json::serialize(frame.at("payload")),
              R"({"namespace":"shop","app":"web","purpose":"env","data":{"A":"1","B":"two"}})");
    EXPECT_EQ(failure(decode(json::serialize(frame), Sender::op)).code, ErrorCode::unknown_type)
        << "only the server sends appSecret";
}

TEST(AgentCodec, AnAppSecretIsRefusedWithoutEchoingItsValues) {
    struct Case {
        const char* payload;
        ErrorCode code;
        const char* says;
    };
    const Case cases[] = {
        {R"({"namespace":"shop","app":"web","purpose":"tls","data":{}})", ErrorCode::forbidden, "purpose 'tls'"},
        {R"({"namespace":"shop","app":"web","purpose":"../x","data":{}})", ErrorCode::forbidden, "is not env, git or registry"},
        {R"({"namespace":"kube system","app":"web","purpose":"env","data":{}})", ErrorCode::malformed, "namespace"},
        {R"({"namespace":"shop","app":"Web","purpose":"env","data":{}})", ErrorCode::malformed, "app 'Web'"},
        {R"({"namespace":"shop","purpose":"env","data":{}})", ErrorCode::malformed, "payload.app is required"},
        {R"({"namespace":"shop","app":"web","purpose":"env"})", ErrorCode::malformed, "payload.data is required"},
        {R"({"namespace":"shop","app":"web","purpose":"env","data":{"A":7}})", ErrorCode::malformed, "payload.data.A must be a string"},
        {R"({"namespace":"shop","app":"web","purpose":"env","data":{"1A":"sekrit-1"}})", ErrorCode::malformed, "data key '1A'"},
        {R"({"namespace":"shop","app":"web","purpose":"env","data":{"A B":"sekrit-2"}})", ErrorCode::malformed, "data key 'A B'"},
        {R"({"namespace":"shop","app":"web","purpose":"env","data":{"..A":"sekrit-3"}})", ErrorCode::malformed, "data key '..A'"},
        {R"({"namespace":"shop","app":"web","purpose":"git","data":{"password":"sekrit-4"}})", ErrorCode::malformed, "only token"},
        {R"({"namespace":"shop","app":"web","purpose":"registry","data":{"token":"sekrit-5"}})", ErrorCode::malformed, "only .dockerconfigjson"},
    };
    for (const auto& c : cases) {
        auto r = decode(std::string(R"({"v":1,"id":"s-4","type":"appSecret","payload":)") + c.payload + "}", Sender::server);
        ASSERT_TRUE(std::holds_alternative<DecodeFailure>(r)) << c.payload;
        EXPECT_EQ(std::get<DecodeFailure>(r).id, "s-4");
        EXPECT_EQ(failure(r).code, c.code) << c.payload << " → " << failure(r).message;
        EXPECT_NE(failure(r).message.find(c.says), std::string::npos) << c.payload << " → " << failure(r).message;
        EXPECT_EQ(failure(r).message.find("sekrit"), std::string::npos) << "a value in: " << failure(r).message;
    }
}

TEST(AgentCodec, AnAppSecretsSizeIsLimited) {
    AppSecret many{"shop", "web", "env", {}};
    for (std::size_t i = 0; i <= kMaxSecretEntries; ++i) many.data["K" + std::to_string(i)] = "v";
    EXPECT_EQ(failure(decode(encode({"s-1", many}), Sender::server)).code, ErrorCode::too_large);

    AppSecret big{"shop", "web", "env", {{"A", std::string(kMaxSecretDataBytes / 2, 'a')},
                                         {"B", std::string(kMaxSecretDataBytes / 2, 'b')}}};
    auto r = decode(encode({"s-2", big}), Sender::server);
    EXPECT_EQ(failure(r).code, ErrorCode::too_large) << failure(r).message;

    AppSecret long_key{"shop", "web", "env", {{std::string(kMaxSecretKeyBytes + 1, 'K'), "v"}}};
    EXPECT_EQ(failure(decode(encode({"s-3", long_key}), Sender::server)).code, ErrorCode::too_large);

    AppSecret fits{"shop", "web", "env", {{"A", std::string(kMaxSecretDataBytes - 2, 'a')}}};
    EXPECT_TRUE(std::holds_alternative<Message>(decode(encode({"s-4", fits}), Sender::server)));
}

TEST(AgentCodec, ASourceChunkCarriesItsBytesInBase64) {
    const std::string digest = "sha256:" + std::string(64, 'b');
    auto frame = json::parse(encode({"s-1", SourceChunk{"u-7", "shop", "web", 4096, "\x1f\x8b", true, 4098, digest}})).as_object();
    EXPECT_EQ(frame.at("type").as_string(), "sourceChunk");
    EXPECT_EQ(json::serialize(frame.at("payload")),
              R"({"uploadId":"u-7","namespace":"shop","app":"web","offset":4096,"data":"H4s=","last":true,"size":4098,"digest":")" +
                  digest + R"("})");
    EXPECT_EQ(failure(decode(json::serialize(frame), Sender::op)).code, ErrorCode::unknown_type) << "only the server sends sourceChunk";
}

TEST(AgentCodec, ASourceChunkIsCheckedBeforeAnyByteIsStored) {
    struct Case {
        std::string payload;
        ErrorCode code;
        const char* says;
    };
    const std::string d = "sha256:" + std::string(64, 'c');
    const std::string head = R"({"uploadId":"u","namespace":"shop","app":"web",)";
    const Case cases[] = {
        {head + R"("offset":0,"data":"!!"})", ErrorCode::malformed, "payload.data must be base64"},
        {head + R"("data":"AA=="})", ErrorCode::malformed, "payload.offset is required"},
        {head + R"("offset":-1,"data":"AA=="})", ErrorCode::malformed, "must not be negative"},
        {R"({"uploadId":"","namespace":"shop","app":"web","offset":0,"data":"AA=="})", ErrorCode::malformed, "uploadId"},
        {R"({"uploadId":"u","namespace":"kube system","app":"web","offset":0,"data":"AA=="})", ErrorCode::malformed, "namespace"},
        {R"({"uploadId":"u","namespace":"shop","app":"../web","offset":0,"data":"AA=="})", ErrorCode::malformed, "app '../web'"},
        {head + R"("offset":0,"data":"AAA=","last":true,"size":2,"digest":"sha256:abc"})", ErrorCode::malformed, "digest 'sha256:abc'"},
        {head + R"("offset":5,"data":"AAA=","last":true,"size":2,"digest":")" + d + R"("})", ErrorCode::malformed, "size 2"},
        {head + R"("offset":0,"data":"AAA=","last":true,"digest":")" + d + R"("})", ErrorCode::malformed, "payload.size is required"},
        {head + R"("offset":1125899906842625,"data":""})", ErrorCode::too_large, "offset"},
    };
    for (const auto& c : cases) {
        auto r = decode(R"({"v":1,"id":"s-4","type":"sourceChunk","payload":)" + c.payload + "}", Sender::server);
        ASSERT_TRUE(std::holds_alternative<DecodeFailure>(r)) << c.payload;
        EXPECT_EQ(std::get<DecodeFailure>(r).id, "s-4");
        EXPECT_EQ(failure(r).code, c.code) << c.payload << " → " << failure(r).message;
        EXPECT_NE(failure(r).message.find(c.says), std::string::npos) << c.payload << " → " << failure(r).message;
    }
    SourceChunk too_big{"u", "shop", "web", 0, std::string(kMaxSourceChunkBytes + 1, 'x'), false, 0, ""};
    EXPECT_EQ(failure(decode(encode({"s-5", too_big}), Sender::server)).code, ErrorCode::too_large);
    SourceChunk largest{"u", "shop", "web", 0, std::string(kMaxSourceChunkBytes, 'x'), false, 0, ""};
    const auto frame = encode({"s-6", largest});
    EXPECT_LT(frame.size(), kMaxMessageBytes);
    EXPECT_TRUE(std::holds_alternative<Message>(decode(frame, Sender::server)));
}

TEST(AgentCodec, ServiceCredentialsAreAskedForByTheServerAndRefusedWithoutTheirValues) {
    auto ask = json::parse(encode({"s-1", ReadServiceCredentials{"shop", "db"}})).as_object();
    EXPECT_EQ(ask.at("type").as_string(), "readServiceCredentials");
    EXPECT_EQ(json::serialize(ask.at("payload")), R"({"namespace":"shop","service":"db"})");
    EXPECT_EQ(failure(decode(json::serialize(ask), Sender::op)).code, ErrorCode::unknown_type) << "only the server asks";
    EXPECT_EQ(failure(decode(R"({"v":1,"id":"s-2","type":"readServiceCredentials","payload":{"namespace":"kube-system/x","service":"db"}})",
                             Sender::server))
                  .code,
              ErrorCode::malformed);
    auto answer = encode({"", ServiceCredentials{"s-1", {{"PASSWORD", "sekrit-1"}}}});
    EXPECT_EQ(failure(decode(answer, Sender::op)).code, ErrorCode::internal) << "decodes: no failure";
    EXPECT_EQ(failure(decode(answer, Sender::server)).code, ErrorCode::unknown_type) << "only the operator answers";
    ServiceCredentials long_value{"s-1", {{"PASSWORD", "sekrit-2" + std::string(kMaxCredentialValueBytes, 'x')}}};
    auto r = decode(encode({"", long_value}), Sender::op);
    EXPECT_EQ(failure(r).code, ErrorCode::too_large);
    EXPECT_EQ(failure(r).message.find("sekrit"), std::string::npos) << failure(r).message;
    auto not_string = decode(R"({"v":1,"type":"serviceCredentials","payload":{"replyTo":"s-1","data":{"PORT":5432}}})", Sender::op);
    EXPECT_EQ(failure(not_string).code, ErrorCode::malformed);
}

TEST(AgentCodec, AnUnknownErrorCodeFromANewerPeerIsStillAnError) {
    auto r = decode(
        R"({"v":1,"type":"ack","payload":{"replyTo":"s-1","ok":false,"error":{"code":"quotaExceeded","message":"m"}}})",
        Sender::op);
    ASSERT_TRUE(std::holds_alternative<Message>(r));
    const auto& ack = std::get<Ack>(std::get<Message>(r).body);
    ASSERT_TRUE(ack.error);
    EXPECT_EQ(ack.error->code, ErrorCode::internal);
}

}  // namespace
}  // namespace sb::agent
