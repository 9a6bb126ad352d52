#pragma once
// The operator's end of the agent link (docs/agent-protocol.md): connects
// out to the server over a WebSocket, says hello, sends a snapshot of every
// ShapeBlock object, then status changes as its informers see them; carries
// out the server's apply, delete, appSecret, log, sourceChunk and readServiceCredentials requests; reconnects with capped
// exponential back-off and jitter for as long as it runs.
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <deque>
#include <memory>
#include <stop_token>
#include <string>

#include "agent/messages.hpp"
#include "kube/manager.hpp"
#include "operator/agent/app_secret_writer.hpp"
#include "operator/agent/backoff.hpp"
#include "operator/agent/credentials_reader.hpp"
#include "operator/agent/log_relay.hpp"
#include "operator/agent/object_writer.hpp"
#include "operator/agent/source_receiver.hpp"
#include "operator/agent/status_source.hpp"

namespace sb::op::agent {

struct AgentLinkOptions {
    std::string
        server_url;  // https://shapeblock.example.com (ws:// and http:// only for loopback set-ups)
    std::string token;    // the cluster's agent token
    std::string ca_file;  // trust only this CA for the server (pinning); empty: the system's roots
    std::string cluster_id;  // empty: the uid of the kube-system namespace
    std::string operator_version = "dev";  // main sets the build's version (SB_VERSION)
    std::chrono::milliseconds backoff_base{500};
    std::chrono::milliseconds backoff_cap{30000};
    // A connection that lived this long resets the back-off.
    std::chrono::milliseconds stable_after{30000};
    // Where uploaded sources are stored (the apps' registries).
    SourceStoreSettings sources;
};

// Where the link connects: scheme, host, port and the agent endpoint's path.
struct AgentEndpoint {
    bool tls = true;
    std::string host;
    std::string port;
    std::string target;  // "/api/v1/agent" under the URL's own path
};
// Throws std::invalid_argument naming what is wrong with the URL.
AgentEndpoint agent_endpoint(std::string_view server_url);

class AgentLink {
  public:
    // Registers its informer handlers: construct before manager.run().
    AgentLink(kube::Manager& manager, AgentLinkOptions options);
    ~AgentLink();

    // Connects, serves and reconnects until stop is requested.
    kube::Task<void> run(std::stop_token stop);


  private:
    template <class WebSocket>
    kube::Task<void> upgrade(WebSocket& ws, const std::string& hello_frame);
    template <class WebSocket>
    kube::Task<void> serve(WebSocket& ws, std::stop_token stop);
    template <class WebSocket>
    kube::Task<void> read_loop(WebSocket& ws);
    template <class WebSocket>
    kube::Task<void> write_loop(WebSocket& ws);
    kube::Task<void> connect_and_serve(std::stop_token stop);
    kube::Task<void> handle(sb::agent::Message message);
    kube::Task<void> receive_source(std::string id, sb::agent::SourceChunk chunk, std::uint64_t connection);
    void queue(sb::agent::Message message);
    void wake();

    kube::Manager& manager_;
    AgentLinkOptions options_;
    AgentEndpoint endpoint_;
    ObjectWriter writer_;
    AppSecretWriter secrets_;
    StatusSource statuses_;
    LogRelay logs_;
    SourceReceiver sources_;
    CredentialsReader credentials_;
    std::uint64_t connection_ = 0;  // counts connections: an answer for an earlier one is not sent on a later one
    std::deque<std::string> outgoing_;  // encoded acks and log chunks, before queued statuses
    std::unique_ptr<boost::asio::steady_timer> wake_;
    bool closing_ = false;  // stop was requested: the writer sends the close frame
    std::uint64_t dropped_log_chunks_ = 0;  // log chunks a slow server could not take (reported when the link is lost)
};

}  // namespace sb::op::agent
