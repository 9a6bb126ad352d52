#pragma once
// The OCI distribution API for one repository: what the operator needs to
// store an uploaded source as an artifact (blobs pushed in chunks, a
// manifest) and what a build pod needs to fetch it back (a blob, followed
// through a redirect to the registry's storage). Authenticates as the
// registry asks: Basic, or a bearer token from its token service, with the
// login of the app's registry Secret.
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <cstdint>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#include "operator/registry/registry_auth.hpp"
#include "operator/registry/registry_http.hpp"

namespace sb::op::registry {

// The registry answered, but not as hoped (refused credentials, unknown
// repository, a full disk...): the message names the request, the status
// and the registry's own error.
class RegistryRefused : public std::runtime_error {
public:
    RegistryRefused(const std::string& what, int status) : std::runtime_error(what), status_(status) {}
    int status() const { return status_; }

private:
    int status_;
};

// "host[:port]/path/name" split at its first '/'.
struct Repository {
    std::string host;  // as written: "registry.example.com:5000"
    std::string name;  // "shop/web/source"
};
// Throws std::invalid_argument without a host or a name.
Repository parse_repository(std::string_view repository);

class RegistryClient {
public:
    // `insecure`: the registry is in the operator's --insecure-registries:
    // https without certificate checks, else plain http. `push`: the token
    // asked for covers pushing too (a build pod only pulls).
    RegistryClient(boost::asio::any_io_executor executor, Repository repository, std::optional<Credentials> credentials,
                   bool insecure, bool push = true);

    const Repository& repository() const { return repository_; }

    boost::asio::awaitable<bool> has_blob(std::string digest);

    // A chunked blob upload: started, appended to in order, finished with the
    // whole blob's digest (the last bytes may come with it).
    struct Upload {
        std::string location;
        std::uint64_t written = 0;
    };
    boost::asio::awaitable<Upload> start_upload();
    boost::asio::awaitable<void> append(Upload& upload, std::string bytes);
    boost::asio::awaitable<void> finish(Upload& upload, std::string digest, std::string last_bytes);
    // The whole blob in one upload (start, then finish with all of it).
    boost::asio::awaitable<void> push_blob(std::string digest, std::string bytes);

    boost::asio::awaitable<void> put_manifest(std::string reference, std::string media_type, std::string manifest);

    // The blob's bytes to `on_body` as they arrive.
    boost::asio::awaitable<void> get_blob(std::string digest, std::function<void(std::string_view)> on_body);

private:
    boost::asio::awaitable<void> find_base_url();
    boost::asio::awaitable<void> authenticate(const HttpResponse& refusal);
    // The request with this client's authorisation; a 401 authenticates and tries once more.
    boost::asio::awaitable<HttpResponse> send(HttpRequest request, std::function<void(std::string_view)> on_body = {});
    [[noreturn]] void refused(const HttpRequest& request, const HttpResponse& response) const;
    // A path on the registry itself; send() puts the base URL before it once it is known.
    static std::string url(std::string_view path) { return std::string(path); }

    boost::asio::any_io_executor executor_;
    Repository repository_;
    std::optional<Credentials> credentials_;
    bool insecure_;
    bool push_;
    std::string base_url_;       // "https://host:port", once found
    std::string authorization_;  // the Authorization header, once the registry asked for one
};

}  // namespace sb::op::registry
