// Fuzzes the request path of the server up to the router: raw bytes go
// through Beast's HTTP/1.1 parser with the server's limits, become a Request
// through the server's own conversion (http/request_conversion.hpp:
// percent-decoded path, parsed query, lower-case headers), then through
// everything a handler reads besides the body: cookies, pagination and
// filters, If-Match.
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "server/api/request_params.hpp"
#include "tests/fuzz/fuzz_checks.hpp"
#include "server/http/message.hpp"
#include "server/http/request_conversion.hpp"

namespace {
namespace http = boost::beast::http;
using namespace sb::server;

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
    parser.header_limit(16 * 1024);  // as in http/transport.cpp
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
    read_like_a_handler(to_request(parser.get(), "127.0.0.1", false));
    return 0;
}
