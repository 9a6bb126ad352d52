#include "tests/support/https_probe.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

namespace sb::testenv {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

ProbeResponse https_request(int port, const std::string& ca_pem, const ProbeRequest& request) {
    asio::io_context io;
    asio::ssl::context ctx(asio::ssl::context::tls_client);
    ctx.add_certificate_authority(asio::buffer(ca_pem));
    ctx.set_verify_mode(asio::ssl::verify_peer);
    beast::ssl_stream<beast::tcp_stream> stream(io, ctx);
    stream.set_verify_callback(asio::ssl::host_name_verification("127.0.0.1"));
    beast::get_lowest_layer(stream).expires_after(std::chrono::seconds(30));
    beast::get_lowest_layer(stream).connect(
        asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), static_cast<unsigned short>(port)));
    stream.handshake(asio::ssl::stream_base::client);

    http::request<http::string_body> req{http::string_to_verb(request.method), request.target, 11};
    req.set(http::field::host, "127.0.0.1");
    if (!request.bearer_token.empty()) req.set(http::field::authorization, "Bearer " + request.bearer_token);
    if (!request.body.empty()) {
        req.set(http::field::content_type, request.content_type);
        req.body() = request.body;
    }
    req.prepare_payload();
    http::write(stream, req);
    beast::flat_buffer buffer;
    http::response<http::string_body> res;
    http::read(stream, buffer, res);
    beast::error_code ec;
    stream.shutdown(ec);  // the server may close first; not an error here
    return {static_cast<int>(res.result_int()), res.body()};
}

}  // namespace sb::testenv
