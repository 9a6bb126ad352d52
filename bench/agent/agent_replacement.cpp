#include "bench/agent/agent_replacement.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>

#include "agent/codec.hpp"

namespace sb::bench {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;

bool replace_agent_connection(const ServerAddress& server, const std::string& token, const std::string& cluster_id) {
    asio::io_context io;
    asio::ip::tcp::resolver resolver(io);
    websocket::stream<beast::tcp_stream> ws(io);
    beast::get_lowest_layer(ws).expires_after(std::chrono::seconds(10));
    beast::get_lowest_layer(ws).connect(resolver.resolve(server.host, server.port));
    ws.set_option(websocket::stream_base::decorator(
        [&](websocket::request_type& req) { req.set(beast::http::field::authorization, "Bearer " + token); }));
    ws.handshake(server.host + ":" + server.port, "/api/v1/agent");
    ws.text(true);
    sb::agent::Hello hello;
    hello.cluster_id = cluster_id;
    hello.operator_version = "sb-agent-replacer";
    hello.kubernetes_version = "v1.31.0";
    hello.protocol_versions = {sb::agent::kProtocolVersion};
    ws.write(asio::buffer(sb::agent::encode({"", hello})));
    beast::flat_buffer buffer;
    ws.read(buffer);
    auto decoded = sb::agent::decode(beast::buffers_to_string(buffer.data()), sb::agent::Sender::server);
    auto* message = std::get_if<sb::agent::Message>(&decoded);
    bool welcomed = message && std::holds_alternative<sb::agent::Welcome>(message->body);
    beast::error_code ignored;
    ws.close(websocket::close_code::normal, ignored);
    return welcomed;
}

}  // namespace sb::bench
