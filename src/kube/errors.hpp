#pragma once
// Errors of the API client. ApiError is an API server answer that is not a
// success (a metav1.Status); TransportError is a failure to get an answer at
// all (connect, TLS, reset, timeout).
#include <boost/json/object.hpp>
#include <chrono>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace sb::kube {

// One entry of status.details.causes, e.g. {FieldValueInvalid, "spec.size", "must be >= 1"}.
struct StatusCause {
    std::string type;
    std::string message;
    std::string field;
};

class ApiError : public std::runtime_error {
public:
    // From a response status and body (a Status object when the server sent one).
    ApiError(int code, const std::string& body, std::optional<std::chrono::seconds> retry_after = {});

    int code() const { return code_; }
    // Status.reason: NotFound, AlreadyExists, Conflict, Invalid, Forbidden,
    // Unauthorized, Gone, Expired, TooManyRequests, ... (derived from the
    // code when the body has none).
    const std::string& reason() const { return reason_; }
    const std::string& status_message() const { return message_; }
    const std::vector<StatusCause>& causes() const { return causes_; }
    const boost::json::object& status() const { return status_; }
    // From the Retry-After header or status.details.retryAfterSeconds.
    std::optional<std::chrono::seconds> retry_after() const { return retry_after_; }
    const char* what() const noexcept override;

private:
    std::string what_;
    int code_;
    std::string reason_, message_;
    std::vector<StatusCause> causes_;
    boost::json::object status_;
    std::optional<std::chrono::seconds> retry_after_;
};

class TransportError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

bool is_not_found(const ApiError& e);
bool is_already_exists(const ApiError& e);
bool is_conflict(const ApiError& e);
bool is_invalid(const ApiError& e);
bool is_forbidden(const ApiError& e);
bool is_unauthorized(const ApiError& e);
// 410 Gone or reason Expired: the resourceVersion is too old, re-list.
bool is_gone(const ApiError& e);
bool is_too_many_requests(const ApiError& e);
bool is_server_timeout(const ApiError& e);

}  // namespace sb::kube
