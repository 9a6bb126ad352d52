#include "kube/errors.hpp"
#include "common/json_fields.hpp"

#include <boost/json/parse.hpp>

namespace sb::kube {

namespace {

std::string reason_for_code(int code) {
    switch (code) {
        case 400: return "BadRequest";
        case 401: return "Unauthorized";
        case 403: return "Forbidden";
        case 404: return "NotFound";
        case 405: return "MethodNotAllowed";
        case 406: return "NotAcceptable";
        case 409: return "Conflict";
        case 410: return "Gone";
        case 413: return "RequestEntityTooLarge";
        case 415: return "UnsupportedMediaType";
        case 422: return "Invalid";
        case 429: return "TooManyRequests";
        case 500: return "InternalError";
        case 503: return "ServiceUnavailable";
        case 504: return "Timeout";
        default: return "Unknown";
    }
}

}  // namespace

ApiError::ApiError(int code, const std::string& body, std::optional<std::chrono::seconds> retry_after)
    : std::runtime_error("kubernetes API error " + std::to_string(code)), code_(code), retry_after_(retry_after) {
    boost::system::error_code ec;
    auto parsed = boost::json::parse(body, ec);
    if (!ec && parsed.is_object() && get_string(parsed.get_object(), "kind") == "Status") {
        status_ = std::move(parsed.get_object());
        reason_ = get_string(status_, "reason");
        message_ = get_string(status_, "message");
        if (auto c = status_.find("code"); c != status_.end() && c->value().is_int64())
            code_ = static_cast<int>(c->value().get_int64());
        if (auto d = status_.find("details"); d != status_.end() && d->value().is_object()) {
            const auto& details = d->value().get_object();
            if (auto cs = details.find("causes"); cs != details.end() && cs->value().is_array()) {
                for (const auto& cause : cs->value().get_array()) {
                    if (!cause.is_object()) continue;
                    const auto& c = cause.get_object();
                    causes_.push_back({get_string(c, "reason"), get_string(c, "message"), get_string(c, "field")});
                }
            }
            if (auto ra = details.find("retryAfterSeconds"); !retry_after_ && ra != details.end() && ra->value().is_int64())
                retry_after_ = std::chrono::seconds(ra->value().get_int64());
        }
    } else {
        message_ = body.substr(0, 512);
    }
    // Old apiservers send 200-coded Status objects in watch error events.
    if (code_ == 0) code_ = code;
    if (reason_.empty()) reason_ = reason_for_code(code_);
    what_ = "kubernetes API error " + std::to_string(code_) + " " + reason_ + (message_.empty() ? "" : ": " + message_);
}

const char* ApiError::what() const noexcept { return what_.c_str(); }

bool is_not_found(const ApiError& e) { return e.reason() == "NotFound" || (e.reason() == "Unknown" && e.code() == 404); }
bool is_already_exists(const ApiError& e) { return e.reason() == "AlreadyExists"; }
bool is_conflict(const ApiError& e) { return e.reason() == "Conflict" || (e.code() == 409 && e.reason() != "AlreadyExists"); }
bool is_invalid(const ApiError& e) { return e.reason() == "Invalid" || e.code() == 422; }
bool is_forbidden(const ApiError& e) { return e.reason() == "Forbidden" || e.code() == 403; }
bool is_unauthorized(const ApiError& e) { return e.reason() == "Unauthorized" || e.code() == 401; }
bool is_gone(const ApiError& e) { return e.code() == 410 || e.reason() == "Gone" || e.reason() == "Expired"; }
bool is_too_many_requests(const ApiError& e) { return e.reason() == "TooManyRequests" || e.code() == 429; }
bool is_server_timeout(const ApiError& e) { return e.reason() == "ServerTimeout" || e.reason() == "Timeout" || e.code() == 504; }

}  // namespace sb::kube
