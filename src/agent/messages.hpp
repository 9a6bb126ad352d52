#pragma once
// The agent protocol's messages: what the server and a cluster's operator say
// to each other over the cluster's WebSocket (docs/agent-protocol.md). Both
// sides link this one definition, so they cannot drift apart.
//
// On the wire every message is one JSON text frame:
//   {"v": 1, "type": "apply", "id": "s-42", "payload": {...}}
#include <boost/json/object.hpp>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace sb::agent {

// The versions this build speaks; the operator offers them in its hello and
// the server picks the highest it shares in its welcome.
inline constexpr int kProtocolVersion = 1;
inline constexpr int kOldestProtocolVersion = 1;

// Which ShapeBlock object a message is about.
struct ObjectRef {
    std::string kind;        // Project | App | AppBuild | Service
    std::string namespace_;  // empty for a Project (cluster-scoped)
    std::string name;
    bool operator==(const ObjectRef&) const = default;
};

struct NodeCapacity {
    std::int64_t nodes = 0;
    std::int64_t allocatable_cpu_millis = 0;
    std::int64_t allocatable_memory_bytes = 0;
    bool operator==(const NodeCapacity&) const = default;
};

// ---- operator → server ------------------------------------------------------

// First message after the WebSocket opens.
struct Hello {
    std::string cluster_id;
    std::string operator_version;
    std::string kubernetes_version;
    std::vector<int> protocol_versions;     // offered, e.g. [1]
    std::vector<std::string> capabilities;  // e.g. "apply", "logs", "builder:kaniko"
    NodeCapacity capacity;
    bool operator==(const Hello&) const = default;
};

// The status of one ShapeBlock object as the cluster has it now. `deleted`
// says the object is gone (status then empty).
struct Status {
    ObjectRef object;
    std::string resource_version;
    std::int64_t generation = 0;
    boost::json::object status;
    bool deleted = false;
    bool operator==(const Status&) const = default;
};

// Every ShapeBlock object in the cluster after a (re)connect, in parts; after
// the `last` part the server sends its whole desired state, so what it wants
// and no part named is applied again.
struct Snapshot {
    std::int64_t part = 0;
    bool last = false;
    std::vector<Status> objects;
    bool operator==(const Snapshot&) const = default;
};

// Lines of a log stream the server opened; `end` closes the stream (with
// `error` when it ended because of one).
struct LogChunk {
    std::string stream_id;
    std::string pod;
    std::string container;
    std::string data;  // UTF-8 text, whole lines
    bool end = false;
    std::string error;
    bool operator==(const LogChunk&) const = default;
};

enum class ErrorCode {
    malformed,            // not JSON, or a field missing or of the wrong type
    unsupported_version,  // "v" or the hello's offer not spoken here
    unknown_type,
    too_large,
    forbidden,  // not a ShapeBlock object, or outside a ShapeBlock project
    invalid,    // a ShapeBlock object the cluster refused (schema, admission)
    not_found,
    unavailable,  // the cluster's API server did not answer; retry
    internal,
};

struct Error {
    ErrorCode code = ErrorCode::internal;
    std::string message;  // names the field or object it is about
    bool operator==(const Error&) const = default;
};

// The answer to a server message with an id: ok, or the error.
struct Ack {
    std::string reply_to;
    std::optional<Error> error;
    bool operator==(const Ack&) const = default;
};

// The connection details of one Service, as its `<service>-connection`
// Secret holds them (HOST, PORT, USERNAME, PASSWORD, DATABASE, and the URL
// of its kind: DATABASE_URL, REDIS_URL, ...): the answer to a
// readServiceCredentials. Values are never logged by either end, and the
// server keeps none of them.
struct ServiceCredentials {
    std::string reply_to;
    std::map<std::string, std::string> data;
    bool operator==(const ServiceCredentials&) const = default;
};

// ---- server → operator ------------------------------------------------------

struct Welcome {
    int protocol_version = kProtocolVersion;
    std::string server_version;
    bool operator==(const Welcome&) const = default;
};

// Create or update a ShapeBlock object (server-side apply of the whole object).
struct Apply {
    boost::json::object object;
    bool operator==(const Apply&) const = default;
};

struct Delete {
    ObjectRef object;
    bool operator==(const Delete&) const = default;
};

// Open a log stream: the build pod of an AppBuild, or the pods of an App.
struct OpenLogs {
    std::string stream_id;
    ObjectRef object;  // kind AppBuild or App
    std::string pod;   // one pod of an App; empty for all
    bool follow = false;
    std::optional<std::int64_t> tail_lines;
    std::optional<std::int64_t> since_seconds;
    bool operator==(const OpenLogs&) const = default;
};

struct CloseLogs {
    std::string stream_id;
    bool operator==(const CloseLogs&) const = default;
};

// The values behind one app's Secret, `<app>-<purpose>` in the app's
// namespace (app_secret_name): its environment variables ("env"), its git
// token ("git", key `token`) or its registry login ("registry", key
// `.dockerconfigjson`). The only Secret the server can make an operator
// write; empty `data` deletes it. Values are never logged by either end.
struct AppSecret {
    std::string namespace_;
    std::string app;
    std::string purpose;                      // env | git | registry
    std::map<std::string, std::string> data;  // key -> value (plain text; base64 is the operator's business)
    bool operator==(const AppSecret&) const = default;
};

// One piece of an app's uploaded source (a tar.gz of a directory, `sb push
// --path`) on its way to the app's cluster, where the operator stores it
// (docs/agent-protocol.md, "Source uploads"). The server sends the pieces of
// one upload in order and the next only once the previous was acked; the
// last one names the whole archive's size and SHA-256 and is acked once the
// archive is stored under that digest.
struct SourceChunk {
    std::string upload_id;
    std::string namespace_;
    std::string app;
    std::int64_t offset = 0;  // bytes of the archive before this piece
    std::string data;         // raw bytes (base64 on the wire), at most kMaxSourceChunkBytes
    bool last = false;
    std::int64_t size = 0;    // with last: the whole archive's bytes
    std::string digest;       // with last: "sha256:<64 lower-case hex>" of the whole archive
    bool operator==(const SourceChunk&) const = default;
};

// Asks for a Service's connection details, when a user asks to see them
// (sb services credentials): answered with serviceCredentials, or an error ack.
struct ReadServiceCredentials {
    std::string namespace_;
    std::string service;
    bool operator==(const ReadServiceCredentials&) const = default;
};

using Body = std::variant<Hello, Status, Snapshot, LogChunk, Ack, Welcome, Apply, Delete, OpenLogs,
                          CloseLogs, AppSecret, SourceChunk, ServiceCredentials, ReadServiceCredentials>;

struct Message {
    std::string id;  // set on messages that expect an Ack; unique per sender and connection
    Body body;
    bool operator==(const Message&) const = default;
};

// Which side may send a message type.
enum class Sender { op, server };
Sender sender_of(const Body& body);

std::string_view type_name(const Body& body);
std::string_view to_string(ErrorCode code);

}  // namespace sb::agent
