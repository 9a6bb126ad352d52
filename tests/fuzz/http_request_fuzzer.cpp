// Fuzzes the request path of the server up to the router: raw bytes go
// through Beast's HTTP/1.1 parser with the server's limits, become a Request
// the way http/server.cpp's to_request builds one (percent-decoded path,
// parsed query, lower-case headers), and then through everything a handler
// reads besides the body: cookies, pagination and filters, If-Match.
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>

#include <cctype>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "api/request_params.hpp"
#include "fuzz_checks.hpp"
#include "http/message.hpp"

namespace {
namespace http = boost::beast::http;
using namespace sb::server;

// Kept in step with to_request in src/server/http/server.cpp.
Request to_request(const http::request<http::string_body>& req) {
    Request r;
    r.method = std::string(req.method_string());
    std::string_view target = req.target();
    auto q = target.find('?');
    auto decoded = percent_decode(target.substr(0, q));
    r.path = decoded ? *decoded : std::string(target.substr(0, q));
    if (q != std::string_view::npos) r.query = parse_query(target.substr(q + 1));
    for (const auto& field : req) {
        std::string name(field.name_string());
        for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        r.headers.emplace_back(std::move(name), std::string(field.value()));
    }
    r.body = req.body();
    r.remote_ip = "127.0.0.1";
    return r;
}

void read_like_a_handler(const Request& request) {
    request.cookie("sb_session");
    request.header("authorization");
    request.header("idempotency-key");
    try {
        api::page_params(request, {"name"});
    } catch (const ApiError& e) {
        fuzz::check_client_error(e);
    }
    try {
        api::check_if_match(request, 1);
    } catch (const ApiError& e) {
        fuzz::check_client_error(e);
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    http::request_parser<http::string_body> parser;
    parser.body_limit(1 << 20);      // Config::body_limit_bytes default
    parser.header_limit(16 * 1024);  // as in http/server.cpp
    parser.eager(true);
    boost::beast::error_code ec;
    std::size_t offset = 0;
    while (offset < size && !parser.is_done()) {
        std::size_t used = parser.put(boost::asio::buffer(data + offset, size - offset), ec);
        if (ec == http::error::need_more) break;
        if (ec) return 0;  // the server answers 400 and closes
        if (used == 0) break;
        offset += used;
    }
    if (!parser.is_done()) {
        parser.put_eof(ec);
        if (ec || !parser.is_done()) return 0;
    }
    read_like_a_handler(to_request(parser.get()));
    return 0;
}
