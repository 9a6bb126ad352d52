#include "agent/codec.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include "agent/limits.hpp"
#include "agent/objects.hpp"
#include "common/base64.hpp"

namespace sb::agent {

namespace json = boost::json;

namespace {

// ---- encoding -----------------------------------------------------------------

json::object ref_json(const ObjectRef& r) {
    json::object o{{"kind", r.kind}, {"name", r.name}};
    if (!r.namespace_.empty()) o["namespace"] = r.namespace_;
    return o;
}

json::object status_json(const Status& s) {
    json::object o{{"object", ref_json(s.object)},
                   {"resourceVersion", s.resource_version},
                   {"generation", s.generation}};
    if (s.deleted)
        o["deleted"] = true;
    else
        o["status"] = s.status;
    return o;
}

struct PayloadEncoder {
    json::object operator()(const Hello& h) const {
        json::array versions, capabilities;
        for (int v : h.protocol_versions) versions.emplace_back(v);
        for (const auto& c : h.capabilities) capabilities.emplace_back(c);
        return {{"clusterId", h.cluster_id},
                {"operatorVersion", h.operator_version},
                {"kubernetesVersion", h.kubernetes_version},
                {"protocolVersions", std::move(versions)},
                {"capabilities", std::move(capabilities)},
                {"capacity",
                 {{"nodes", h.capacity.nodes},
                  {"allocatableCpuMillis", h.capacity.allocatable_cpu_millis},
                  {"allocatableMemoryBytes", h.capacity.allocatable_memory_bytes}}}};
    }
    json::object operator()(const Status& s) const { return status_json(s); }
    json::object operator()(const Snapshot& s) const {
        json::array objects;
        for (const auto& st : s.objects) objects.emplace_back(status_json(st));
        return {{"part", s.part}, {"last", s.last}, {"objects", std::move(objects)}};
    }
    json::object operator()(const LogChunk& c) const {
        json::object o{{"streamId", c.stream_id},
                       {"pod", c.pod},
                       {"container", c.container},
                       {"data", c.data}};
        if (c.end) o["end"] = true;
        if (!c.error.empty()) o["error"] = c.error;
        return o;
    }
    json::object operator()(const Ack& a) const {
        json::object o{{"replyTo", a.reply_to}, {"ok", !a.error}};
        if (a.error)
            o["error"] = {{"code", to_string(a.error->code)}, {"message", a.error->message}};
        return o;
    }
    json::object operator()(const Welcome& w) const {
        return {{"protocolVersion", w.protocol_version}, {"serverVersion", w.server_version}};
    }
    json::object operator()(const Apply& a) const { return {{"object", a.object}}; }
    json::object operator()(const Delete& d) const { return {{"object", ref_json(d.object)}}; }
    json::object operator()(const OpenLogs& l) const {
        json::object o{
            {"streamId", l.stream_id}, {"object", ref_json(l.object)}, {"follow", l.follow}};
        if (!l.pod.empty()) o["pod"] = l.pod;
        if (l.tail_lines) o["tailLines"] = *l.tail_lines;
        if (l.since_seconds) o["sinceSeconds"] = *l.since_seconds;
        return o;
    }
    json::object operator()(const CloseLogs& c) const { return {{"streamId", c.stream_id}}; }
    json::object operator()(const AppSecret& a) const {
        json::object data;
        for (const auto& [key, value] : a.data) data[key] = value;
        return {{"namespace", a.namespace_}, {"app", a.app}, {"purpose", a.purpose}, {"data", std::move(data)}};
    }
    json::object operator()(const ServiceCredentials& c) const {
        json::object data;
        for (const auto& [key, value] : c.data) data[key] = value;
        return {{"replyTo", c.reply_to}, {"data", std::move(data)}};
    }
    json::object operator()(const ReadServiceCredentials& r) const {
        return {{"namespace", r.namespace_}, {"service", r.service}};
    }
    json::object operator()(const SourceChunk& c) const {
        json::object o{{"uploadId", c.upload_id}, {"namespace", c.namespace_}, {"app", c.app},
                       {"offset", c.offset},       {"data", base64_encode(c.data)}};
        if (c.last) {
            o["last"] = true;
            o["size"] = c.size;
            o["digest"] = c.digest;
        }
        return o;
    }
};

// ---- decoding -----------------------------------------------------------------

struct Refusal {
    Error error;
};

[[noreturn]] void refuse(ErrorCode code, std::string message) {
    throw Refusal{{code, std::move(message)}};
}

// Reads typed fields of one JSON object, naming the full path of a field that
// is missing or of the wrong type.
class Fields {
  public:
    Fields(const json::object& object, std::string path)
        : object_(object), path_(std::move(path)) {}

    std::string string(std::string_view key, std::size_t max = kMaxIdBytes) const {
        const auto* v = object_.if_contains(key);
        if (!v) refuse(ErrorCode::malformed, where(key) + " is required");
        if (!v->is_string()) refuse(ErrorCode::malformed, where(key) + " must be a string");
        if (v->get_string().size() > max)
            refuse(ErrorCode::too_large,
                   where(key) + " is longer than " + std::to_string(max) + " bytes");
        return std::string(v->get_string());
    }
    std::string optional_string(std::string_view key, std::size_t max = kMaxIdBytes) const {
        return object_.contains(key) ? string(key, max) : std::string();
    }
    std::optional<std::int64_t> optional_int(std::string_view key) const {
        const auto* v = object_.if_contains(key);
        if (!v) return std::nullopt;
        if (v->is_int64()) return v->get_int64();
        if (v->is_uint64() && v->get_uint64() <= static_cast<std::uint64_t>(INT64_MAX))
            return static_cast<std::int64_t>(v->get_uint64());
        refuse(ErrorCode::malformed, where(key) + " must be an integer");
    }
    std::int64_t non_negative(std::string_view key) const {
        auto v = optional_int(key);
        if (!v) refuse(ErrorCode::malformed, where(key) + " is required");
        if (*v < 0) refuse(ErrorCode::malformed, where(key) + " must not be negative");
        return *v;
    }
    bool optional_bool(std::string_view key) const {
        const auto* v = object_.if_contains(key);
        if (!v) return false;
        if (!v->is_bool()) refuse(ErrorCode::malformed, where(key) + " must be true or false");
        return v->get_bool();
    }
    bool required_bool(std::string_view key) const {
        if (!object_.contains(key)) refuse(ErrorCode::malformed, where(key) + " is required");
        return optional_bool(key);
    }
    const json::object& object(std::string_view key) const {
        const auto* v = object_.if_contains(key);
        if (!v) refuse(ErrorCode::malformed, where(key) + " is required");
        if (!v->is_object()) refuse(ErrorCode::malformed, where(key) + " must be an object");
        return v->get_object();
    }
    Fields nested(std::string_view key) const { return Fields(object(key), where(key)); }
    const json::array& array(std::string_view key) const {
        const auto* v = object_.if_contains(key);
        if (!v) refuse(ErrorCode::malformed, where(key) + " is required");
        if (!v->is_array()) refuse(ErrorCode::malformed, where(key) + " must be an array");
        return v->get_array();
    }
    std::string where(std::string_view key) const {
        return path_.empty() ? std::string(key) : path_ + "." + std::string(key);
    }

  private:
    const json::object& object_;
    std::string path_;
};

ObjectRef read_ref(const Fields& f, std::string_view key) {
    auto r = f.nested(key);
    ObjectRef ref{r.string("kind"), r.optional_string("namespace"), r.string("name")};
    if (auto error = check_ref(ref)) refuse(error->code, f.where(key) + ": " + error->message);
    return ref;
}

Status read_status(const Fields& f) {
    Status s;
    s.object = read_ref(f, "object");
    s.resource_version = f.optional_string("resourceVersion");
    s.generation = f.optional_int("generation").value_or(0);
    s.deleted = f.optional_bool("deleted");
    if (!s.deleted) s.status = f.object("status");
    return s;
}

ErrorCode error_code_from(std::string_view text) {
    for (auto code : {ErrorCode::malformed, ErrorCode::unsupported_version, ErrorCode::unknown_type,
                      ErrorCode::too_large, ErrorCode::forbidden, ErrorCode::invalid,
                      ErrorCode::not_found, ErrorCode::unavailable, ErrorCode::internal})
        if (to_string(code) == text) return code;
    return ErrorCode::internal;  // a newer peer's code: still an error
}

Body read_body(std::string_view type, const Fields& p) {
    if (type == "hello") {
        Hello h;
        h.cluster_id = p.string("clusterId");
        h.operator_version = p.string("operatorVersion");
        h.kubernetes_version = p.string("kubernetesVersion");
        for (const auto& v : p.array("protocolVersions")) {
            if (!v.is_int64())
                refuse(ErrorCode::malformed, "payload.protocolVersions must hold integers");
            h.protocol_versions.push_back(static_cast<int>(v.get_int64()));
        }
        for (const auto& c : p.array("capabilities")) {
            if (!c.is_string())
                refuse(ErrorCode::malformed, "payload.capabilities must hold strings");
            h.capabilities.emplace_back(c.get_string());
        }
        auto cap = p.nested("capacity");
        h.capacity = {cap.non_negative("nodes"), cap.non_negative("allocatableCpuMillis"),
                      cap.non_negative("allocatableMemoryBytes")};
        return h;
    }
    if (type == "status") return read_status(p);
    if (type == "snapshot") {
        Snapshot s;
        s.part = p.non_negative("part");
        s.last = p.optional_bool("last");
        const auto& objects = p.array("objects");
        if (objects.size() > kMaxSnapshotObjects)
            refuse(ErrorCode::too_large,
                   "payload.objects holds more than " + std::to_string(kMaxSnapshotObjects));
        for (std::size_t i = 0; i < objects.size(); ++i) {
            const auto where = "payload.objects[" + std::to_string(i) + "]";
            if (!objects[i].is_object()) refuse(ErrorCode::malformed, where + " must be an object");
            s.objects.push_back(read_status(Fields(objects[i].get_object(), where)));
        }
        return s;
    }
    if (type == "logChunk") {
        LogChunk c;
        c.stream_id = p.string("streamId");
        c.pod = p.optional_string("pod", 253);
        c.container = p.optional_string("container", 253);
        c.data = p.optional_string("data", kMaxLogChunkBytes);
        c.end = p.optional_bool("end");
        c.error = p.optional_string("error", 4096);
        return c;
    }
    if (type == "ack") {
        Ack a;
        a.reply_to = p.string("replyTo");
        if (p.required_bool("ok")) return a;
        auto e = p.nested("error");
        a.error = Error{error_code_from(e.string("code")), e.optional_string("message", 4096)};
        return a;
    }
    if (type == "welcome") {
        Welcome w;
        auto v = p.optional_int("protocolVersion");
        if (!v) refuse(ErrorCode::malformed, "payload.protocolVersion is required");
        w.protocol_version = static_cast<int>(*v);
        w.server_version = p.string("serverVersion");
        return w;
    }
    if (type == "apply") {
        Apply a{p.object("object")};
        ObjectRef ref;
        if (auto error = check_object(a.object, ref))
            refuse(error->code, "payload.object: " + error->message);
        return a;
    }
    if (type == "delete") return Delete{read_ref(p, "object")};
    if (type == "openLogs") {
        OpenLogs l;
        l.stream_id = p.string("streamId");
        l.object = read_ref(p, "object");
        if (l.object.kind != "App" && l.object.kind != "AppBuild")
            refuse(ErrorCode::malformed, "payload.object.kind must be App or AppBuild for logs");
        l.pod = p.optional_string("pod", 253);
        l.follow = p.optional_bool("follow");
        if (auto n = p.optional_int("tailLines")) {
            if (*n < 0) refuse(ErrorCode::malformed, "payload.tailLines must not be negative");
            l.tail_lines = n;
        }
        if (auto n = p.optional_int("sinceSeconds")) {
            if (*n <= 0) refuse(ErrorCode::malformed, "payload.sinceSeconds must be positive");
            l.since_seconds = n;
        }
        return l;
    }
    if (type == "closeLogs") return CloseLogs{p.string("streamId")};
    if (type == "appSecret") {
        AppSecret a;
        a.namespace_ = p.string("namespace");
        a.app = p.string("app");
        a.purpose = p.string("purpose");
        const auto& data = p.object("data");
        if (data.size() > kMaxSecretEntries)
            refuse(ErrorCode::too_large, "payload.data holds more than " + std::to_string(kMaxSecretEntries) + " entries");
        for (const auto& [key, value] : data) {
            // The key, never the value, may appear in a message (and so in a log).
            if (key.size() > kMaxSecretKeyBytes)
                refuse(ErrorCode::too_large, "payload.data has a key longer than " + std::to_string(kMaxSecretKeyBytes) + " bytes");
            if (!value.is_string())
                refuse(ErrorCode::malformed, "payload.data." + std::string(key.substr(0, 64)) + " must be a string");
            if (value.get_string().size() > kMaxSecretDataBytes)
                refuse(ErrorCode::too_large, "payload.data." + std::string(key.substr(0, 64)) + " is longer than " +
                                                 std::to_string(kMaxSecretDataBytes) + " bytes");
            a.data.emplace(std::string(key), std::string(value.get_string()));
        }
        if (auto error = check_app_secret(a)) refuse(error->code, "payload: " + error->message);
        return a;
    }
    if (type == "serviceCredentials") {
        ServiceCredentials c;
        c.reply_to = p.string("replyTo");
        const auto& data = p.object("data");
        if (data.size() > kMaxCredentialEntries)
            refuse(ErrorCode::too_large, "payload.data holds more than " + std::to_string(kMaxCredentialEntries) + " entries");
        for (const auto& [key, value] : data) {
            // Keys may appear in a message, never values.
            if (key.empty() || key.size() > 64) refuse(ErrorCode::malformed, "payload.data has a key that is empty or longer than 64 bytes");
            if (!value.is_string())
                refuse(ErrorCode::malformed, "payload.data." + std::string(key) + " must be a string");
            if (value.get_string().size() > kMaxCredentialValueBytes)
                refuse(ErrorCode::too_large, "payload.data." + std::string(key) + " is longer than " +
                                                 std::to_string(kMaxCredentialValueBytes) + " bytes");
            c.data.emplace(std::string(key), std::string(value.get_string()));
        }
        return c;
    }
    if (type == "readServiceCredentials") {
        ReadServiceCredentials r;
        r.namespace_ = p.string("namespace");
        r.service = p.string("service");
        if (auto error = check_ref(ObjectRef{"Service", r.namespace_, r.service})) refuse(error->code, "payload: " + error->message);
        return r;
    }
    if (type == "sourceChunk") {
        SourceChunk c;
        c.upload_id = p.string("uploadId");
        c.namespace_ = p.string("namespace");
        c.app = p.string("app");
        c.offset = p.non_negative("offset");
        // base64 of the largest piece, with room for line breaks some encoders add
        auto decoded = try_base64_decode(p.string("data", kMaxSourceChunkBytes / 3 * 4 + 8 + kMaxSourceChunkBytes / 32));
        if (!decoded) refuse(ErrorCode::malformed, "payload.data must be base64");
        c.data = std::move(*decoded);
        c.last = p.optional_bool("last");
        if (c.last) {
            c.size = p.non_negative("size");
            c.digest = p.string("digest");
        }
        if (auto error = check_source_chunk(c)) refuse(error->code, "payload: " + error->message);
        return c;
    }
    refuse(ErrorCode::unknown_type,
           "unknown message type '" + std::string(type.substr(0, 64)) + "'");
}

}  // namespace

std::string_view to_string(ErrorCode code) {
    switch (code) {
        case ErrorCode::malformed:
            return "malformed";
        case ErrorCode::unsupported_version:
            return "unsupportedVersion";
        case ErrorCode::unknown_type:
            return "unknownType";
        case ErrorCode::too_large:
            return "tooLarge";
        case ErrorCode::forbidden:
            return "forbidden";
        case ErrorCode::invalid:
            return "invalid";
        case ErrorCode::not_found:
            return "notFound";
        case ErrorCode::unavailable:
            return "unavailable";
        case ErrorCode::internal:
            return "internal";
    }
    return "internal";
}

std::string_view type_name(const Body& body) {
    struct Names {
        std::string_view operator()(const Hello&) const { return "hello"; }
        std::string_view operator()(const Status&) const { return "status"; }
        std::string_view operator()(const Snapshot&) const { return "snapshot"; }
        std::string_view operator()(const LogChunk&) const { return "logChunk"; }
        std::string_view operator()(const Ack&) const { return "ack"; }
        std::string_view operator()(const Welcome&) const { return "welcome"; }
        std::string_view operator()(const Apply&) const { return "apply"; }
        std::string_view operator()(const Delete&) const { return "delete"; }
        std::string_view operator()(const OpenLogs&) const { return "openLogs"; }
        std::string_view operator()(const CloseLogs&) const { return "closeLogs"; }
        std::string_view operator()(const AppSecret&) const { return "appSecret"; }
        std::string_view operator()(const SourceChunk&) const { return "sourceChunk"; }
        std::string_view operator()(const ServiceCredentials&) const { return "serviceCredentials"; }
        std::string_view operator()(const ReadServiceCredentials&) const { return "readServiceCredentials"; }
    };
    return std::visit(Names{}, body);
}

Sender sender_of(const Body& body) {
    return std::holds_alternative<Hello>(body) || std::holds_alternative<Status>(body) ||
                   std::holds_alternative<Snapshot>(body) ||
                   std::holds_alternative<LogChunk>(body) || std::holds_alternative<Ack>(body) ||
                   std::holds_alternative<ServiceCredentials>(body)
               ? Sender::op
               : Sender::server;
}

std::string encode(const Message& message) {
    json::object frame{{"v", kProtocolVersion}, {"type", type_name(message.body)}};
    if (!message.id.empty()) frame["id"] = message.id;
    frame["payload"] = std::visit(PayloadEncoder{}, message.body);
    return json::serialize(frame);
}

DecodeResult decode(std::string_view frame, Sender from) {
    if (frame.size() > kMaxMessageBytes)
        return DecodeFailure{{ErrorCode::too_large,
                              "message of " + std::to_string(frame.size()) + " bytes is over the " +
                                  std::to_string(kMaxMessageBytes) + "-byte limit"},
                             {}};
    json::parse_options options;
    options.max_depth = 64;
    std::error_code ec;
    json::value parsed = json::parse(frame, ec, {}, options);
    if (ec || !parsed.is_object())
        return DecodeFailure{{ErrorCode::malformed, "message is not a JSON object"}, {}};
    const auto& root = parsed.get_object();
    std::string id;
    try {
        Fields f(root, "");
        id = f.optional_string("id");
        auto version = f.optional_int("v");
        if (!version) refuse(ErrorCode::malformed, "v is required");
        if (*version < kOldestProtocolVersion || *version > kProtocolVersion)
            refuse(ErrorCode::unsupported_version,
                   "protocol version " + std::to_string(*version) + " is not spoken here (" +
                       std::to_string(kOldestProtocolVersion) + " to " +
                       std::to_string(kProtocolVersion) + ")");
        const auto type = f.string("type");
        Body body = read_body(type, f.nested("payload"));
        if (sender_of(body) != from)
            refuse(ErrorCode::unknown_type, "message type '" + type + "' is not sent by the " +
                                                (from == Sender::op ? "operator" : "server"));
        return Message{std::move(id), std::move(body)};
    } catch (const Refusal& r) {
        return DecodeFailure{r.error, std::move(id)};
    } catch (const std::exception&
                 e) {  // allocation failure and the like: still an answer, never a crash
        return DecodeFailure{{ErrorCode::internal, e.what()}, std::move(id)};
    }
}

}  // namespace sb::agent
