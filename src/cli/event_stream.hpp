#pragma once
// The server's event WebSocket (GET /api/v1/teams/{team}/events): subscribe
// to topics (build:<id>, app:<id>, ...) and read their events one by one.
#include <boost/json/value.hpp>

#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "cli/http_transport.hpp"

namespace sb::cli {

struct Event {
    std::string topic;
    std::string kind;  // build.log, build.updated, app.status, ...
    boost::json::value data;
};

class EventStream {
public:
    EventStream(const ServerUrl& url, const TransportOptions& options, const std::string& token, const std::string& team_id);
    ~EventStream();
    EventStream(const EventStream&) = delete;
    EventStream& operator=(const EventStream&) = delete;

    // Subscribes and waits for the server's confirmation; throws CliError on refusal.
    void subscribe(const std::string& topic);
    // The next event, or nothing when none came within `wait`.
    std::optional<Event> next(std::chrono::milliseconds wait);

    struct Socket;  // defined in event_stream.cpp only

private:
    std::unique_ptr<Socket> socket_;
};

}  // namespace sb::cli
