#pragma once
// How an API client asks for logs and how they are written out to it: the
// query options (tail, follow, pod, since) the REST routes and the event
// WebSocket share, and the text / NDJSON / event forms of log lines.
#include <boost/asio/awaitable.hpp>
#include <boost/json/object.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "server/agent/log_tap.hpp"
#include "server/http/message.hpp"

namespace sb::server {
struct ServerState;
}

namespace sb::server::api {

struct LogOptions {
    bool follow = false;
    std::optional<std::int64_t> tail_lines;
    std::optional<std::int64_t> since_seconds;
    std::string pod;  // empty: all pods of the app
};
constexpr std::int64_t kMaxTailLines = 100000;

// Each validates one option as text and throws invalid_field naming `field`.
bool parse_follow(std::string_view text, const std::string& field);
std::int64_t parse_tail(std::string_view text, const std::string& field);
// "30s", "5m", "2h" (a positive whole number and a unit) or an RFC 3339 time
// in the past; the answer is in whole seconds before now (at least 1).
std::int64_t parse_since(std::string_view text, const std::string& field);
void check_pod_name(std::string_view text, const std::string& field);
// From ?follow=&tail=&pod=&since=; any other query parameter is refused.
LogOptions log_options(const Request& request, bool allow_pod);

enum class LogFormat { text, ndjson };
// application/x-ndjson when the Accept header asks for it, else text.
LogFormat log_format(const Request& request);
std::string content_type(LogFormat format);

// The cluster and App object behind an app id. Throws ApiError: 404 for an
// unknown app, 409 when its project has no cluster.
struct AppLogTarget {
    std::string cluster_id;
    sb::agent::ObjectRef object;
};
boost::asio::awaitable<AppLogTarget> resolve_app_logs(ServerState& state, std::string app_id);

// Writes a tap's entries out. Text: each line as it came, prefixed with
// "[pod] " when `prefix_pod`; NDJSON: {"pod", "container", "line"} per line.
// A gap (lines dropped because the client read too slowly) becomes one
// marker line, an error end one last line.
std::string format_entry(const agent::LogTap::Entry& entry, LogFormat format, bool prefix_pod);
std::string format_end(const std::string& error, LogFormat format);
// The lines of `data` without their newlines (a last line without one too).
std::vector<std::string_view> split_lines(std::string_view data);

// A streamed response body: the tap's entries until it finishes or the
// client goes away (which drops the tap, closing the operator's stream).
boost::asio::awaitable<void> pump_tap(std::shared_ptr<agent::LogTap> tap, LogFormat format, bool prefix_pod, BodyWriter& out);

}  // namespace sb::server::api
