#include "operator/agent/agent_link.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <boost/url/parse.hpp>
#include <cstdlib>

#include "agent/codec.hpp"
#include "agent/limits.hpp"
#include "common/json_fields.hpp"
#include "common/log.hpp"
#include "kube/async_event.hpp"
#include "kube/resource.hpp"
#include "operator/agent/cluster_facts.hpp"
#include "operator/agent/proxy_env.hpp"
#include "operator/common/crd_types.hpp"

namespace sb::op::agent {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
namespace ssl = asio::ssl;
namespace json = boost::json;
using asio::ip::tcp;
using namespace asio::experimental::awaitable_operators;
using sb::agent::Message;

namespace {

constexpr auto kConnectTimeout = std::chrono::seconds(15);
constexpr auto kWelcomeTimeout = std::chrono::seconds(15);
constexpr auto kCloseTimeout = std::chrono::seconds(2);
// Frames waiting to be written; log chunks beyond it are dropped (counted), as
// a slow server must not grow the operator without bound.
constexpr std::size_t kMaxOutgoingFrames = 1024;
// Undecodable frames in a row before the operator gives up on the connection.
constexpr int kMaxBadFrames = 10;

// The App controller's informer of ShapeBlock's Secrets: the same selector shares it.
kube::InformerOptions managed_by_shapeblock() {
    kube::InformerOptions options;
    options.label_selector = std::string(kManagedByLabel) + "=" + std::string(kManagedByValue);
    return options;
}

}  // namespace

AgentEndpoint agent_endpoint(std::string_view server_url) {
    auto url = boost::urls::parse_uri(server_url);
    if (!url)
        throw std::invalid_argument("server-url: '" + std::string(server_url) + "' is not a URL");
    const auto scheme = url->scheme();
    AgentEndpoint e;
    if (scheme == "https" || scheme == "wss")
        e.tls = true;
    else if (scheme == "http" || scheme == "ws")
        e.tls = false;
    else
        throw std::invalid_argument(
            "server-url: expected https:// (or http:// on loopback), got '" + std::string(scheme) +
            "://'");
    e.host = std::string(url->host());
    if (e.host.empty())
        throw std::invalid_argument("server-url: '" + std::string(server_url) + "' has no host");
    e.port = url->has_port() ? std::string(url->port()) : (e.tls ? "443" : "80");
    std::string path(url->encoded_path());
    while (!path.empty() && path.back() == '/') path.pop_back();
    e.target = path + "/api/v1/agent";
    return e;
}

AgentLink::AgentLink(kube::Manager& manager, AgentLinkOptions options)
    : manager_(manager),
      options_(std::move(options)),
      endpoint_(agent_endpoint(options_.server_url)),
      writer_(manager.client(), manager.informer(crds::projects)),
      secrets_(manager.client(), writer_, manager.informer(kube::resources::secrets, managed_by_shapeblock()),
               manager.informer(crds::apps)),
      statuses_({{"Project", &manager.informer(crds::projects)},
                 {"App", &manager.informer(crds::apps)},
                 {"AppBuild", &manager.informer(crds::appbuilds)},
                 {"Service", &manager.informer(crds::services)}},
                [this] { wake(); }),
      logs_(manager.client(),
            [this](sb::agent::LogChunk chunk) {
                if (outgoing_.size() >= kMaxOutgoingFrames && !chunk.end) {
                    ++dropped_log_chunks_;
                    return;
                }
                queue({"", std::move(chunk)});
            }),
      sources_(manager.client(), writer_, manager.informer(crds::apps), options_.sources),
      credentials_(manager.client(), writer_, manager.informer(crds::services)),
      wake_(std::make_unique<asio::steady_timer>(manager.client().executor(),
                                                 asio::steady_timer::time_point::max())) {
    if (options_.token.empty())
        throw std::invalid_argument(
            "agent-token: the cluster's agent token is required with server-url");
}

AgentLink::~AgentLink() = default;

void AgentLink::wake() {
    wake_->cancel();
}

void AgentLink::queue(Message message) {
    outgoing_.push_back(sb::agent::encode(message));
    wake();
}

kube::Task<void> AgentLink::run(std::stop_token stop) {
    Backoff backoff(options_.backoff_base, options_.backoff_cap);
    while (!stop.stop_requested()) {
        const auto started = std::chrono::steady_clock::now();
        try {
            co_await connect_and_serve(stop);
        } catch (const std::exception& e) {
            sb::log::warn("agent link lost", {{"server", json::value(options_.server_url)},
                                              {"error", json::value(e.what())},
                                              {"droppedLogChunks", json::value(dropped_log_chunks_)}});
        }
        logs_.close_all();
        sources_.reset();
        outgoing_.clear();
        if (stop.stop_requested()) break;
        if (std::chrono::steady_clock::now() - started >= options_.stable_after) backoff.reset();
        const auto delay = backoff.next();
        sb::log::info("agent link reconnecting", {{"inMs", json::value(delay.count())},
                                                  {"attempt", json::value(backoff.attempt())}});
        co_await kube::sleep_for(delay, stop);
    }
}

kube::Task<void> AgentLink::connect_and_serve(std::stop_token stop) {
    ++connection_;
    auto executor = co_await asio::this_coro::executor;
    const auto facts = co_await read_cluster_facts(manager_.client(), options_.cluster_id);
    const auto proxy = proxy_for(endpoint_.tls ? "https" : "http", endpoint_.host,
                                 [](const char* n) { return std::getenv(n); });

    beast::tcp_stream tcp(executor);
    tcp::resolver resolver(executor);
    tcp.expires_after(kConnectTimeout);
    auto addresses =
        co_await resolver.async_resolve(proxy ? proxy->host : endpoint_.host,
                                        proxy ? proxy->port : endpoint_.port, asio::use_awaitable);
    co_await tcp.async_connect(addresses, asio::use_awaitable);
    if (proxy) {
        http::request<http::empty_body> connect{http::verb::connect,
                                                endpoint_.host + ":" + endpoint_.port, 11};
        connect.set(http::field::host, endpoint_.host + ":" + endpoint_.port);
        if (!proxy->authorization.empty())
            connect.set(http::field::proxy_authorization, proxy->authorization);
        co_await http::async_write(tcp, connect, asio::use_awaitable);
        beast::flat_buffer buffer;
        http::response_parser<http::empty_body> parser;
        parser.skip(true);  // a CONNECT answer has no body, whatever its headers say
        co_await http::async_read_header(tcp, buffer, parser, asio::use_awaitable);
        if (parser.get().result_int() != 200)
            throw std::runtime_error("proxy " + proxy->host + " refused CONNECT: " +
                                     std::to_string(parser.get().result_int()));
    }

    std::string facts_id = facts.cluster_id;

    auto hello = [&] {
        return Message{"", sb::agent::Hello{facts_id,
                                            options_.operator_version,
                                            facts.kubernetes_version,
                                            {sb::agent::kProtocolVersion},
                                            {"apply", "delete", "logs", "appSecret", "sourceUpload", "serviceCredentials"},
                                            facts.capacity}};
    };

    const auto hello_frame = sb::agent::encode(hello());
    if (endpoint_.tls) {
        ssl::context ctx(ssl::context::tls_client);
        ctx.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                        ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
        if (options_.ca_file.empty())
            ctx.set_default_verify_paths();
        else
            ctx.load_verify_file(options_.ca_file);
        websocket::stream<ssl::stream<beast::tcp_stream>> ws(std::move(tcp), ctx);
        ws.next_layer().set_verify_mode(ssl::verify_peer);
        ws.next_layer().set_verify_callback(ssl::host_name_verification(endpoint_.host));
        if (!SSL_set_tlsext_host_name(ws.next_layer().native_handle(), endpoint_.host.c_str()))
            throw std::runtime_error("cannot set the TLS server name " + endpoint_.host);
        co_await ws.next_layer().async_handshake(ssl::stream_base::client, asio::use_awaitable);
        co_await upgrade(ws, hello_frame);
        co_await serve(ws, stop);
    } else {
        websocket::stream<beast::tcp_stream> ws(std::move(tcp));
        co_await upgrade(ws, hello_frame);
        co_await serve(ws, stop);
    }
}

// The WebSocket upgrade with the agent token, then the hello.
template <class WebSocket>
kube::Task<void> AgentLink::upgrade(WebSocket& ws, const std::string& hello_frame) {
    beast::get_lowest_layer(ws).expires_never();
    ws.set_option(websocket::stream_base::timeout{std::chrono::seconds(30), std::chrono::seconds(60), true});
    ws.set_option(websocket::stream_base::decorator([this](websocket::request_type& req) {
        req.set(http::field::authorization, "Bearer " + options_.token);
        req.set(http::field::user_agent, "shapeblock-operator/" + options_.operator_version);
    }));
    ws.read_message_max(sb::agent::kMaxMessageBytes);
    const auto host_header = endpoint_.host + ":" + endpoint_.port;
    co_await ws.async_handshake(host_header, endpoint_.target, asio::use_awaitable);
    ws.text(true);
    co_await ws.async_write(asio::buffer(hello_frame), asio::use_awaitable);
}

// After the hello: the welcome, the snapshot, then reading and writing side
// by side until either fails or stop is requested.
template <class WebSocket>
kube::Task<void> AgentLink::serve(WebSocket& ws, std::stop_token stop) {
    beast::flat_buffer buffer;
    asio::steady_timer deadline(ws.get_executor(), kWelcomeTimeout);
    auto read = co_await (ws.async_read(buffer, asio::use_awaitable) ||
                          deadline.async_wait(asio::use_awaitable));
    if (read.index() == 1) throw std::runtime_error("the server sent no welcome within 15 s");
    auto decoded =
        sb::agent::decode(beast::buffers_to_string(buffer.data()), sb::agent::Sender::server);
    const auto* message = std::get_if<Message>(&decoded);
    const auto* welcome = message ? std::get_if<sb::agent::Welcome>(&message->body) : nullptr;
    if (!welcome) throw std::runtime_error("the server's first message is not a welcome");

    statuses_.outbox().clear();  // the snapshot says it all
    const auto parts = statuses_.snapshot();
    for (const auto& part : parts) {
        // Named, not a braced temporary in the co_await: GCC 12 destroys those wrongly.
        const auto frame = sb::agent::encode(Message{"", part});
        co_await ws.async_write(asio::buffer(frame), asio::use_awaitable);
    }
    sb::log::info("agent link connected",
                  {{"server", json::value(options_.server_url)},
                   {"serverVersion", json::value(welcome->server_version)}});

    // A stop is a clean close: the writer sends the close frame and the
    // reader ends when the server's answer arrives. Cancelling the socket
    // instead would leave the stream unable to send one.
    closing_ = false;
    std::stop_callback close_on_stop(stop, [this, &ws] {
        asio::post(ws.get_executor(), [this] {
            closing_ = true;
            wake_->cancel();
        });
    });
    // Asio's `||` ends when one side *succeeds* and waits on after a
    // failure, so each loop ends normally and keeps its error: a connection
    // that drops while there is nothing to write still ends both.
    std::exception_ptr ended;
    auto until_failure = [&ended](kube::Task<void> loop) -> kube::Task<void> {
        try {
            co_await std::move(loop);
        } catch (...) {
            if (!ended) ended = std::current_exception();
        }
    };
    co_await (until_failure(read_loop(ws)) || until_failure(write_loop(ws)));
    if (ended && !stop.stop_requested()) std::rethrow_exception(ended);
}

template <class WebSocket>
kube::Task<void> AgentLink::read_loop(WebSocket& ws) {
    int bad_in_a_row = 0;
    for (;;) {
        beast::flat_buffer buffer;
        co_await ws.async_read(buffer, asio::use_awaitable);
        auto decoded =
            sb::agent::decode(beast::buffers_to_string(buffer.data()), sb::agent::Sender::server);
        if (auto* failure = std::get_if<sb::agent::DecodeFailure>(&decoded)) {
            sb::log::warn("agent link: bad message from the server",
                          {{"code", json::value(sb::agent::to_string(failure->error.code))},
                           {"error", json::value(failure->error.message)}});
            if (!failure->id.empty()) queue({"", sb::agent::Ack{failure->id, failure->error}});
            if (++bad_in_a_row >= kMaxBadFrames) {
                co_await ws.async_close(
                    websocket::close_reason(static_cast<websocket::close_code>(4001),
                                            "too many undecodable messages"),
                    asio::use_awaitable);
                co_return;
            }
            continue;
        }
        bad_in_a_row = 0;
        co_await handle(std::get<Message>(std::move(decoded)));
    }
}

template <class WebSocket>
kube::Task<void> AgentLink::write_loop(WebSocket& ws) {
    for (;;) {
        if (closing_) {
            beast::get_lowest_layer(ws).expires_after(kCloseTimeout);
            co_await ws.async_close(websocket::close_code::normal, asio::use_awaitable);
            // The reader ends the connection when the server's close arrives.
            asio::steady_timer forever(ws.get_executor(), asio::steady_timer::time_point::max());
            co_await forever.async_wait(asio::use_awaitable);
        }
        if (!outgoing_.empty()) {
            auto frame = std::move(outgoing_.front());
            outgoing_.pop_front();
            co_await ws.async_write(asio::buffer(frame), asio::use_awaitable);
        } else if (auto status = statuses_.outbox().take()) {
            const auto frame = sb::agent::encode(Message{"", std::move(*status)});
            co_await ws.async_write(asio::buffer(frame), asio::use_awaitable);
        } else {
            wake_->expires_at(asio::steady_timer::time_point::max());
            boost::system::error_code ec;
            co_await wake_->async_wait(asio::redirect_error(asio::use_awaitable, ec));
        }
    }
}

// A piece of an upload: storing it may wait on the registry, so it runs
// beside the link (which goes on reading); the server sends an upload's next
// piece only after this one's ack, so one upload's pieces never overlap.
kube::Task<void> AgentLink::receive_source(std::string id, sb::agent::SourceChunk chunk, std::uint64_t connection) {
    std::optional<sb::agent::Error> error;
    try {
        error = co_await sources_.receive(std::move(chunk));
    } catch (const std::exception& e) {
        error = sb::agent::Error{sb::agent::ErrorCode::internal, e.what()};
    }
    if (error)
        sb::log::warn("agent link: source upload refused", {{"code", json::value(sb::agent::to_string(error->code))},
                                                            {"error", json::value(error->message)}});
    if (connection == connection_ && !id.empty()) queue({"", sb::agent::Ack{std::move(id), std::move(error)}});
}

// Server messages are carried out in the order they arrive, each acked.
kube::Task<void> AgentLink::handle(Message message) {
    if (auto* chunk = std::get_if<sb::agent::SourceChunk>(&message.body)) {
        asio::co_spawn(co_await asio::this_coro::executor, receive_source(std::move(message.id), std::move(*chunk), connection_),
                       asio::detached);
        co_return;
    }
    std::optional<sb::agent::Error> error;
    if (auto* apply = std::get_if<sb::agent::Apply>(&message.body)) {
        const bool app = get_string_view(apply->object, "kind") == "App";
        auto ns = get_string(apply->object, "metadata.namespace");
        auto name = get_string(apply->object, "metadata.name");
        error = co_await writer_.apply(std::move(apply->object));
        if (app && !error) co_await secrets_.adopt(std::move(ns), std::move(name));
    } else if (auto* secret = std::get_if<sb::agent::AppSecret>(&message.body))
        error = co_await secrets_.write(std::move(*secret));
    else if (auto* remove = std::get_if<sb::agent::Delete>(&message.body))
        error = co_await writer_.remove(remove->object);
    else if (auto* open = std::get_if<sb::agent::OpenLogs>(&message.body))
        error = logs_.open(*open);
    else if (auto* close = std::get_if<sb::agent::CloseLogs>(&message.body))
        logs_.close(close->stream_id);
    else if (auto* ask = std::get_if<sb::agent::ReadServiceCredentials>(&message.body)) {
        auto result = co_await credentials_.read(std::move(*ask));
        if (auto* data = std::get_if<std::map<std::string, std::string>>(&result)) {
            // The answer instead of an ack; its values go nowhere else.
            if (!message.id.empty()) queue({"", sb::agent::ServiceCredentials{message.id, std::move(*data)}});
            co_return;
        }
        error = std::get<sb::agent::Error>(std::move(result));
    }
    else
        co_return;  // a repeated welcome: nothing to do
    if (error)
        sb::log::warn("agent link: request refused",
                      {{"type", json::value(sb::agent::type_name(message.body))},
                       {"code", json::value(sb::agent::to_string(error->code))},
                       {"error", json::value(error->message)}});
    if (!message.id.empty()) queue({"", sb::agent::Ack{message.id, std::move(error)}});
}

}  // namespace sb::op::agent
