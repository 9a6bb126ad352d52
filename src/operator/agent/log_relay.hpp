#pragma once
// The log streams the server opens: a build pod's containers in the order
// they ran, or the pods of an App, read through the pods/log subresource and
// sent back as logChunk messages of whole lines.
#include <boost/asio/any_io_executor.hpp>
#include <functional>
#include <map>
#include <memory>
#include <stop_token>
#include <string>

#include "agent/messages.hpp"
#include "kube/client.hpp"

namespace sb::op::agent {

// Cuts a byte stream into chunks of whole lines of at most kMaxLogChunkBytes
// (a longer line is cut where the limit falls).
class LineChunker {
  public:
    // Appends bytes; returns the complete chunks they finish.
    std::vector<std::string> feed(std::string_view bytes);
    // What is left (a last line without its newline).
    std::string flush();

  private:
    std::string pending_;
};

class LogRelay {
  public:
    using Send = std::function<void(sb::agent::LogChunk)>;

    LogRelay(kube::Client& client, Send send) : client_(client), send_(std::move(send)) {}
    ~LogRelay() { close_all(); }

    // Starts the stream; nullopt, or the error to ack with (too many open, a
    // stream id in use).
    std::optional<sb::agent::Error> open(const sb::agent::OpenLogs& request);
    // Stops a stream: nothing more of it is sent. Unknown ids are fine.
    void close(const std::string& stream_id);
    void close_all();

  private:
    kube::Task<void> run(sb::agent::OpenLogs request, std::stop_token stop);
    kube::Task<void> relay_build(const sb::agent::OpenLogs& request, std::stop_token stop);
    kube::Task<void> relay_app(const sb::agent::OpenLogs& request, std::stop_token stop);
    kube::Task<void> relay_container(const sb::agent::OpenLogs& request, std::string pod,
                                     std::string container, kube::LogOptions options,
                                     std::stop_token stop);

    kube::Client& client_;
    Send send_;
    std::map<std::string, std::shared_ptr<std::stop_source>> streams_;
};

}  // namespace sb::op::agent
