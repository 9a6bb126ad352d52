#pragma once
// The Authorization header for each request: a static token, a token file
// re-read periodically (and at once after a 401), or an exec credential
// plugin whose output is cached until its expirationTimestamp (and dropped
// after a 401). Internal to libkube.
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "kube/config.hpp"

namespace sb::kube::detail {

class HttpTransport;

// What an exec plugin printed (client.authentication.k8s.io ExecCredential).
struct ExecCredential {
    std::string token;
    std::string client_cert_pem, client_key_pem;
    std::optional<std::chrono::system_clock::time_point> expires;
};

// Parses a plugin's stdout; throws ConfigError with the reason when it is not
// a valid ExecCredential of the expected apiVersion.
ExecCredential parse_exec_credential(std::string_view json, std::string_view expected_api_version);
// The KUBERNETES_EXEC_INFO value handed to the plugin.
std::string exec_info_json(const ClusterConfig& config);

// Runs an exec credential plugin and parses what it prints. Blocks (up to
// 60 s): Credentials calls it on a worker thread.
ExecCredential run_exec_plugin(const ExecConfig& exec, const std::string& exec_info);

class Credentials {
public:
    explicit Credentials(const ClusterConfig& config);

    // "Bearer ..." / "Basic ..." or "" when the request carries no header.
    // May run the exec plugin (on a worker thread: the caller's io thread
    // keeps serving; concurrent callers share one run); may install a client
    // certificate from it.
    boost::asio::awaitable<std::string> authorization(boost::asio::any_io_executor ex, HttpTransport& transport);
    // After a 401: true when fresh credentials may fix it (then forgets the cached ones).
    bool invalidate();
    std::uint64_t exec_runs() const;

private:
    struct ExecRun;
    std::string read_token_file();
    boost::asio::awaitable<ExecCredential> exec_credential();

    const ClusterConfig& config_;
    mutable std::mutex mutex_;
    std::string file_token_;
    std::chrono::steady_clock::time_point file_read_at_{};
    std::optional<ExecCredential> exec_cached_;
    std::shared_ptr<ExecRun> exec_in_flight_;  // the plugin run callers wait for
    std::uint64_t exec_runs_ = 0;
    std::string installed_cert_;
};

}  // namespace sb::kube::detail
