#include "server/api/log_stream.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json/serialize.hpp>

#include <algorithm>
#include <charconv>

#include "common/rfc3339.hpp"
#include "server/core/api_error.hpp"
#include "server/core/state.hpp"
#include "server/store/app_location_store.hpp"

namespace sb::server::api {
namespace asio = boost::asio;
namespace json = boost::json;

namespace {

std::optional<std::int64_t> whole_number(std::string_view text) {
    std::int64_t value = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || end != text.data() + text.size() || text.empty()) return std::nullopt;
    return value;
}

}  // namespace

bool parse_follow(std::string_view text, const std::string& field) {
    if (text == "true" || text == "1") return true;
    if (text == "false" || text == "0" || text.empty()) return false;
    throw invalid_field(field, field + " must be true or false");
}

std::int64_t parse_tail(std::string_view text, const std::string& field) {
    auto n = whole_number(text);
    if (!n || *n < 0 || *n > kMaxTailLines)
        throw invalid_field(field, field + " must be a whole number of lines from 0 to " + std::to_string(kMaxTailLines));
    return *n;
}

std::int64_t parse_since(std::string_view text, const std::string& field) {
    constexpr std::int64_t kMaxSeconds = 366LL * 24 * 3600;
    if (!text.empty()) {
        std::int64_t unit = text.back() == 's' ? 1 : text.back() == 'm' ? 60 : text.back() == 'h' ? 3600 : 0;
        if (unit) {
            auto n = whole_number(text.substr(0, text.size() - 1));
            if (n && *n > 0 && *n <= kMaxSeconds / unit) return *n * unit;
        } else if (auto when = sb::parse_rfc3339(text)) {
            auto ago = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now() - *when).count();
            if (ago < 0) throw invalid_field(field, field + " must not be in the future");
            return std::clamp<std::int64_t>(ago, 1, kMaxSeconds);
        }
    }
    throw invalid_field(field, field + " must be a duration such as 30s, 5m or 2h, or an RFC 3339 time such as "
                                       "2026-01-02T15:04:05Z");
}

void check_pod_name(std::string_view text, const std::string& field) {
    auto alnum = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
    bool ok = !text.empty() && text.size() <= 253 && alnum(text.front()) && alnum(text.back());
    for (char c : text) ok = ok && (alnum(c) || c == '-' || c == '.');
    if (!ok) throw invalid_field(field, field + " must be a pod name (lower-case letters, digits, '-' and '.')");
}

LogOptions log_options(const Request& request, bool allow_pod) {
    LogOptions options;
    for (const auto& [name, value] : request.query) {
        if (name == "follow") options.follow = parse_follow(value, name);
        else if (name == "tail") options.tail_lines = parse_tail(value, name);
        else if (name == "since") options.since_seconds = parse_since(value, name);
        else if (name == "pod" && allow_pod) check_pod_name(value, name), options.pod = value;
        else
            throw invalid_field(name, "unknown query parameter " + name + " (allowed: follow, tail, since" +
                                          std::string(allow_pod ? ", pod" : "") + ")");
    }
    return options;
}

LogFormat log_format(const Request& request) {
    auto accept = request.header("accept");
    return accept && accept->find("application/x-ndjson") != std::string_view::npos ? LogFormat::ndjson : LogFormat::text;
}

std::string content_type(LogFormat format) {
    return format == LogFormat::ndjson ? "application/x-ndjson" : "text/plain; charset=utf-8";
}

std::vector<std::string_view> split_lines(std::string_view data) {
    std::vector<std::string_view> lines;
    while (!data.empty()) {
        auto newline = data.find('\n');
        lines.push_back(data.substr(0, newline));
        data = newline == std::string_view::npos ? std::string_view{} : data.substr(newline + 1);
    }
    return lines;
}

std::string format_entry(const agent::LogTap::Entry& entry, LogFormat format, bool prefix_pod) {
    std::string out;
    if (entry.dropped_lines > 0) {
        auto message = std::to_string(entry.dropped_lines) + " log lines dropped: this client read more slowly than the app wrote";
        if (format == LogFormat::ndjson)
            return json::serialize(json::object{{"dropped", entry.dropped_lines}, {"message", message}}) + "\n";
        return "[shapeblock] " + message + "\n";
    }
    for (auto line : split_lines(entry.data)) {
        if (format == LogFormat::ndjson) {
            out += json::serialize(json::object{{"pod", entry.pod}, {"container", entry.container}, {"line", line}});
        } else {
            if (prefix_pod && !entry.pod.empty()) out.append("[").append(entry.pod).append("] ");
            out.append(line);
        }
        out += '\n';
    }
    return out;
}

std::string format_end(const std::string& error, LogFormat format) {
    if (error.empty()) return {};
    if (format == LogFormat::ndjson) return json::serialize(json::object{{"error", error}}) + "\n";
    return "[shapeblock] log stream ended: " + error + "\n";
}

asio::awaitable<AppLogTarget> resolve_app_logs(ServerState& state, std::string app_id) {
    auto location = co_await store::find_app_location(*state.db, std::move(app_id));
    if (!location) throw not_found("app");
    if (!location->cluster_id)
        throw conflict("the app's project has no cluster, so the app runs nowhere: set the project's clusterId first",
                       "clusterId");
    co_return AppLogTarget{*location->cluster_id, sb::agent::ObjectRef{"App", location->project_name, location->app_name}};
}

asio::awaitable<void> pump_tap(std::shared_ptr<agent::LogTap> tap, LogFormat format, bool prefix_pod, BodyWriter& out) {
    asio::steady_timer wake(co_await asio::this_coro::executor, asio::steady_timer::time_point::max());
    tap->on_ready = [&wake] { wake.cancel(); };
    struct Detach {
        agent::LogTap& tap;
        ~Detach() { tap.on_ready = nullptr; }
    } detach{*tap};
    for (;;) {
        while (auto entry = tap->pop()) {
            auto text = format_entry(*entry, format, prefix_pod);
            bool ok = co_await out.write(std::move(text));
            if (!ok) co_return;
        }
        if (tap->finished()) {
            auto last = format_end(tap->error(), format);
            co_await out.write(std::move(last));
            co_return;
        }
        wake.expires_at(asio::steady_timer::time_point::max());
        co_await wake.async_wait(asio::as_tuple(asio::use_awaitable));
        auto cancelled = (co_await asio::this_coro::cancellation_state).cancelled();
        if (cancelled != asio::cancellation_type::none) co_return;  // the client went away
    }
}

}  // namespace sb::server::api
