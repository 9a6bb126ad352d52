#include "cli/api_client.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "cli/api_error.hpp"

namespace sb::cli {
namespace json = boost::json;

ApiClient::ApiClient(ServerUrl url, TransportOptions options, std::string token)
    : transport_(std::move(url), options), options_(options), token_(std::move(token)) {}

HttpResponse ApiClient::send(HttpRequest request) {
    if (!token_.empty()) request.headers.emplace_back("Authorization", "Bearer " + token_);
    return transport_.send(request);
}

json::value ApiClient::call(const std::string& method, const std::string& target, const json::value* body,
                            std::string_view what, const std::string& if_match, std::string* etag) {
    HttpRequest request;
    request.method = method;
    request.target = target;
    if (body) request.body = json::serialize(*body);
    if (!if_match.empty()) request.headers.emplace_back("If-Match", if_match);
    auto response = send(std::move(request));
    if (etag) *etag = response.header("etag");
    if (response.status < 200 || response.status >= 300)
        throw api_failure(response.status, response.body, what, url().text());
    if (response.body.empty()) return nullptr;
    boost::system::error_code ec;
    auto v = json::parse(response.body, ec);
    if (ec)
        throw CliError(ExitCode::error, "cannot " + std::string(what) + ": the server at " + url().text() +
                                            " answered something that is not JSON (is it a ShapeBlock server?)");
    return v;
}

json::value ApiClient::get(const std::string& target, std::string_view what) { return call("GET", target, nullptr, what); }

json::value ApiClient::upload(const std::string& target, std::FILE* body, std::uint64_t length, const std::string& content_type,
                              const std::function<void(std::uint64_t)>& on_sent, std::string_view what) {
    HttpRequest request;
    request.method = "PUT";
    request.target = target;
    request.content_type = content_type;
    if (!token_.empty()) request.headers.emplace_back("Authorization", "Bearer " + token_);
    // The server answers once the cluster has stored the upload (it allows itself 5 minutes for that).
    auto response = transport_.upload(request, body, length, on_sent, std::chrono::seconds(330));
    if (response.status < 200 || response.status >= 300) throw api_failure(response.status, response.body, what, url().text());
    boost::system::error_code ec;
    auto v = json::parse(response.body, ec);
    if (ec) throw CliError(ExitCode::error, "cannot " + std::string(what) + ": the server answered something that is not JSON");
    return v;
}
json::value ApiClient::post(const std::string& target, const json::value& body, std::string_view what) {
    return call("POST", target, &body, what);
}
json::value ApiClient::patch(const std::string& target, const json::value& body, std::string_view what) {
    return call("PATCH", target, &body, what);
}
json::value ApiClient::put(const std::string& target, const json::value& body, std::string_view what, const std::string& if_match) {
    return call("PUT", target, &body, what, if_match);
}
ApiClient::Versioned ApiClient::get_versioned(const std::string& target, std::string_view what) {
    Versioned out;
    out.body = call("GET", target, nullptr, what, {}, &out.etag);
    return out;
}
json::value ApiClient::del(const std::string& target, std::string_view what) { return call("DELETE", target, nullptr, what); }

json::array ApiClient::list(const std::string& target, std::string_view what) {
    json::array all;
    std::string cursor;
    char separator = target.find('?') == std::string::npos ? '?' : '&';
    for (;;) {
        std::string page = target + separator + "limit=200" + (cursor.empty() ? "" : "&after=" + query_escape(cursor));
        auto v = get(page, what);
        const auto* object = v.if_object();
        const auto* items = object ? object->if_contains("items") : nullptr;
        if (!items || !items->is_array()) throw CliError(ExitCode::error, "cannot " + std::string(what) + ": the answer has no items");
        for (const auto& item : items->as_array()) all.push_back(item);
        const auto* next = object->if_contains("nextCursor");
        if (!next || !next->is_string() || next->as_string().empty()) break;
        cursor = std::string(next->as_string());
    }
    return all;
}

void ApiClient::stream_text(const std::string& target, const std::function<void(std::string_view)>& on_data,
                            std::string_view what) {
    HttpRequest request;
    request.target = target;
    if (!token_.empty()) request.headers.emplace_back("Authorization", "Bearer " + token_);
    auto response = transport_.stream(request, on_data);
    if (response.status < 200 || response.status >= 300)
        throw api_failure(response.status, response.body, what, url().text());
}

std::string query_escape(std::string_view value) {
    static const char* hex = "0123456789ABCDEF";
    std::string out;
    for (unsigned char c : value) {
        if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') out += static_cast<char>(c);
        else {
            out += '%';
            out += hex[c >> 4];
            out += hex[c & 15];
        }
    }
    return out;
}

}  // namespace sb::cli
