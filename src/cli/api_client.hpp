#pragma once
// The REST API (/api/v1) as sb uses it: JSON in and out, the API token as a
// Bearer header, every failure turned into a CliError (api_error.hpp).
#include <boost/json/array.hpp>
#include <boost/json/value.hpp>

#include <functional>
#include <string>
#include <string_view>

#include "cli/http_transport.hpp"

namespace sb::cli {

class ApiClient {
public:
    ApiClient(ServerUrl url, TransportOptions options, std::string token);

    // `what` names the request in errors: "cannot <what>: ...".
    boost::json::value get(const std::string& target, std::string_view what);
    boost::json::value post(const std::string& target, const boost::json::value& body, std::string_view what);
    boost::json::value patch(const std::string& target, const boost::json::value& body, std::string_view what);
    // With if_match (an ETag from get_versioned) the server refuses (412) when the object changed meanwhile.
    boost::json::value put(const std::string& target, const boost::json::value& body, std::string_view what,
                           const std::string& if_match = {});
    struct Versioned {
        boost::json::value body;
        std::string etag;
    };
    Versioned get_versioned(const std::string& target, std::string_view what);
    boost::json::value del(const std::string& target, std::string_view what);
    // Every item of a paginated collection ({"items", "nextCursor"}).
    boost::json::array list(const std::string& target, std::string_view what);
    // A text/plain answer, streamed to on_data as it arrives.
    void stream_text(const std::string& target, const std::function<void(std::string_view)>& on_data, std::string_view what);
    // PUTs `length` bytes of `body` with this content type (source uploads);
    // the JSON answer, or a CliError as for the other calls.
    boost::json::value upload(const std::string& target, std::FILE* body, std::uint64_t length, const std::string& content_type,
                              const std::function<void(std::uint64_t)>& on_sent, std::string_view what);
    // The request as is, without error mapping (login, probes).
    HttpResponse send(HttpRequest request);

    const ServerUrl& url() const { return transport_.url(); }
    const TransportOptions& options() const { return options_; }
    const std::string& token() const { return token_; }

private:
    boost::json::value call(const std::string& method, const std::string& target, const boost::json::value* body,
                            std::string_view what, const std::string& if_match = {}, std::string* etag = nullptr);
    HttpTransport transport_;
    TransportOptions options_;
    std::string token_;
};

// Percent-encodes a query parameter's value.
std::string query_escape(std::string_view value);

}  // namespace sb::cli
