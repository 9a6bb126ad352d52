#pragma once
// A few synchronous JSON calls against the e2e node's API server, for the
// tests themselves (which act as a user would: create objects, read their
// status). Built on sb::testenv::https_request.
#include <boost/json.hpp>
#include <chrono>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>

namespace sb::e2e {

class KubeApiError : public std::runtime_error {
public:
    KubeApiError(int status, const std::string& message) : std::runtime_error(message), status_(status) {}
    int status() const { return status_; }

private:
    int status_;
};

class KubeApi {
public:
    KubeApi(int port, std::string ca_pem, std::string token)
        : port_(port), ca_pem_(std::move(ca_pem)), token_(std::move(token)) {}

    boost::json::value get(const std::string& path) const;
    std::optional<boost::json::value> try_get(const std::string& path) const;  // nullopt on 404
    boost::json::value create(const std::string& collection_path, const boost::json::value& object) const;
    boost::json::value merge_patch(const std::string& path, const boost::json::value& patch) const;
    boost::json::value put(const std::string& path, const boost::json::value& object) const;
    void remove(const std::string& path) const;  // 404 is fine
    // Plain text (pod logs).
    std::string get_text(const std::string& path) const;

private:
    std::string call(const std::string& method, const std::string& path, const std::string& body,
                     const std::string& content_type) const;
    int port_;
    std::string ca_pem_, token_;
};

// Thrown from a wait_until predicate to stop waiting at once (a daemon
// exited); any other exception counts as "not yet" and is retried.
class WaitAborted : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// Polls `ready` every 200 ms until it returns true; throws with `what` and
// the last `describe()` output on timeout.
void wait_until(const std::string& what, std::chrono::seconds timeout, const std::function<bool()>& ready,
                const std::function<std::string()>& describe = {});

// Convenience accessors on JSON objects: "" / nullptr when absent.
std::string string_at(const boost::json::value& v, std::initializer_list<std::string_view> path);

}  // namespace sb::e2e
