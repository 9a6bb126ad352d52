#pragma once
// Every failure a client can cause or see travels as an ApiError and becomes
// {"error": {"code", "message", "field"?}} with its status code.
#include <stdexcept>
#include <string>

namespace sb::server {

class ApiError : public std::runtime_error {
public:
    ApiError(int status, std::string code, const std::string& message, std::string field = {})
        : std::runtime_error(message), status_(status), code_(std::move(code)), field_(std::move(field)) {}
    int status() const { return status_; }
    const std::string& code() const { return code_; }
    const std::string& field() const { return field_; }
    int retry_after_seconds = 0;

private:
    int status_;
    std::string code_;
    std::string field_;
};

inline ApiError invalid_field(const std::string& field, const std::string& message) {
    return ApiError(400, "invalid_field", message, field);
}
inline ApiError not_found(const std::string& what) { return ApiError(404, "not_found", what + " not found"); }
inline ApiError conflict(const std::string& message, std::string field = {}) {
    return ApiError(409, "conflict", message, std::move(field));
}
inline ApiError precondition_failed() {
    return ApiError(412, "precondition_failed", "the object changed since it was read (If-Match does not match its ETag)");
}
inline ApiError unauthenticated() { return ApiError(401, "unauthenticated", "authentication required"); }
inline ApiError forbidden(const std::string& message) { return ApiError(403, "forbidden", message); }
inline ApiError licence_limit(const std::string& message) { return ApiError(403, "licence_limit", message); }

}  // namespace sb::server
