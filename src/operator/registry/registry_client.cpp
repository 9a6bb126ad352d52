#include "operator/registry/registry_client.hpp"

#include <boost/json/parse.hpp>

#include "common/json_fields.hpp"

namespace sb::op::registry {

namespace asio = boost::asio;
namespace json = boost::json;

namespace {

constexpr int kMaxRedirects = 5;

// The registry's own words from an error body ({"errors":[{"code","message"}]}), else its start.
std::string registry_reason(const std::string& body) {
    std::error_code ec;
    auto parsed = json::parse(body, ec);
    if (!ec && parsed.is_object())
        if (const auto* errors = find_array(parsed.get_object(), "errors"); errors && !errors->empty() && (*errors)[0].is_object()) {
            const auto& first = (*errors)[0].get_object();
            auto code = get_string(first, "code"), message = get_string(first, "message");
            return code.empty() ? message : message.empty() ? code : code + ": " + message;
        }
    std::string text = body.substr(0, 200);
    for (auto& c : text)
        if (c == '\n' || c == '\r') c = ' ';
    return text;
}

std::string with_query(const std::string& url, std::string_view parameter) {
    return url + (url.find('?') == std::string::npos ? "?" : "&") + std::string(parameter);
}

}  // namespace

Repository parse_repository(std::string_view repository) {
    const auto slash = repository.find('/');
    if (slash == std::string_view::npos || slash == 0 || slash + 1 == repository.size())
        throw std::invalid_argument("'" + std::string(repository) + "' is not a repository (host/name)");
    return {std::string(repository.substr(0, slash)), std::string(repository.substr(slash + 1))};
}

RegistryClient::RegistryClient(asio::any_io_executor executor, Repository repository, std::optional<Credentials> credentials,
                               bool insecure, bool push)
    : executor_(std::move(executor)),
      repository_(std::move(repository)),
      credentials_(std::move(credentials)),
      insecure_(insecure),
      push_(push) {}

asio::awaitable<void> RegistryClient::find_base_url() {
    if (!base_url_.empty()) co_return;
    HttpOptions options;
    options.verify_tls = !insecure_;
    // An insecure registry may still speak TLS (with a certificate nobody
    // signed): tried first, then plain HTTP.
    std::string https = "https://" + repository_.host;
    if (!insecure_) {
        base_url_ = https;
        co_return;
    }
    bool tls_answers = false;
    try {
        HttpRequest probe{"GET", https + "/v2/", {}, {}};
        co_await send_http(executor_, std::move(probe), options);
        tls_answers = true;
    } catch (const RegistryUnreachable&) {
    }
    base_url_ = tls_answers ? https : "http://" + repository_.host;
}

asio::awaitable<void> RegistryClient::authenticate(const HttpResponse& refusal) {
    auto challenge = parse_challenge(refusal.header("WWW-Authenticate"));
    if (challenge && challenge->scheme == "basic") {
        if (!credentials_)
            throw RegistryRefused(repository_.host + " asks for a login and the app's registry Secret has none for it", 401);
        authorization_ = basic_authorization(*credentials_);
        co_return;
    }
    if (!challenge || challenge->scheme != "bearer" || challenge->realm.empty())
        throw RegistryRefused(repository_.host + " refused the request (401) without saying how to authenticate", 401);
    std::string token_url = challenge->realm;
    if (!challenge->service.empty()) token_url = with_query(token_url, "service=" + challenge->service);
    const std::string scope = "repository:" + repository_.name + (push_ ? ":pull,push" : ":pull");
    token_url = with_query(token_url, "scope=" + scope);
    HttpRequest token_request{"GET", token_url, {}, {}};
    if (credentials_) token_request.headers.emplace_back("Authorization", basic_authorization(*credentials_));
    HttpOptions options;
    options.verify_tls = !insecure_;
    auto answer = co_await send_http(executor_, std::move(token_request), options);
    if (answer.status != 200)
        throw RegistryRefused("the token service of " + repository_.host + " answered " + std::to_string(answer.status) + ": " +
                                  registry_reason(answer.body) + (credentials_ ? "" : " (the app's registry Secret has no login for it)"),
                              answer.status);
    auto token = token_from_answer(answer.body);
    if (!token) throw RegistryRefused("the token service of " + repository_.host + " answered without a token", answer.status);
    authorization_ = "Bearer " + *token;
}

asio::awaitable<HttpResponse> RegistryClient::send(HttpRequest request, std::function<void(std::string_view)> on_body) {
    co_await find_base_url();
    if (request.url.starts_with('/')) request.url = base_url_ + request.url;
    HttpOptions options;
    options.verify_tls = !insecure_;
    for (int attempt = 0;; ++attempt) {
        HttpRequest sent = request;
        if (!authorization_.empty()) sent.headers.emplace_back("Authorization", authorization_);
        auto response = co_await send_http(executor_, std::move(sent), options, on_body);
        if (response.status != 401 || attempt > 0) co_return response;
        co_await authenticate(response);
    }
}

void RegistryClient::refused(const HttpRequest& request, const HttpResponse& response) const {
    const auto target = request.url.starts_with('/') ? request.url : split_url(request.url).target;
    std::string what = request.method + " " + target.substr(0, target.find('?'));
    std::string hint;
    if (response.status == 401 || response.status == 403) hint = " (check the login in the app's registry Secret)";
    throw RegistryRefused(repository_.host + " answered " + std::to_string(response.status) + " to " + what + ": " +
                              registry_reason(response.body) + hint,
                          response.status);
}

asio::awaitable<bool> RegistryClient::has_blob(std::string digest) {
    HttpRequest request{"HEAD", url("/v2/" + repository_.name + "/blobs/" + digest), {}, {}};
    auto response = co_await send(request);
    if (response.status == 200) co_return true;
    if (response.status == 404) co_return false;
    refused(request, response);
}

asio::awaitable<RegistryClient::Upload> RegistryClient::start_upload() {
    HttpRequest request{"POST", url("/v2/" + repository_.name + "/blobs/uploads/"), {{"Content-Length", "0"}}, {}};
    auto response = co_await send(request);
    auto location = response.header("Location");
    if (response.status != 202 || location.empty()) refused(request, response);
    co_return Upload{resolve_url(base_url_, location), 0};
}

asio::awaitable<void> RegistryClient::append(Upload& upload, std::string bytes) {
    if (bytes.empty()) co_return;
    const auto first = upload.written, last = upload.written + bytes.size() - 1;
    const auto size = bytes.size();
    HttpRequest request{"PATCH", upload.location,
                        {{"Content-Type", "application/octet-stream"},
                         {"Content-Range", std::to_string(first) + "-" + std::to_string(last)}},
                        std::move(bytes)};
    auto response = co_await send(request);
    auto location = response.header("Location");
    if (response.status != 202 || location.empty()) refused(request, response);
    upload.location = resolve_url(base_url_, location);
    upload.written += size;
}

asio::awaitable<void> RegistryClient::finish(Upload& upload, std::string digest, std::string last_bytes) {
    HttpRequest request{"PUT", with_query(upload.location, "digest=" + digest), {{"Content-Type", "application/octet-stream"}},
                        std::move(last_bytes)};
    auto response = co_await send(request);
    if (response.status != 201) refused(request, response);
}

asio::awaitable<void> RegistryClient::push_blob(std::string digest, std::string bytes) {
    auto upload = co_await start_upload();
    co_await finish(upload, std::move(digest), std::move(bytes));
}

asio::awaitable<void> RegistryClient::put_manifest(std::string reference, std::string media_type, std::string manifest) {
    HttpRequest request{"PUT", url("/v2/" + repository_.name + "/manifests/" + reference), {{"Content-Type", media_type}},
                        std::move(manifest)};
    auto response = co_await send(request);
    if (response.status != 201) refused(request, response);
}

asio::awaitable<void> RegistryClient::get_blob(std::string digest, std::function<void(std::string_view)> on_body) {
    HttpRequest request{"GET", url("/v2/" + repository_.name + "/blobs/" + digest), {}, {}};
    auto response = co_await send(request, on_body);
    // Registries on object storage redirect to it, with a signed URL that
    // must not get the registry's credentials.
    HttpOptions options;
    options.verify_tls = !insecure_;
    for (int hop = 0; response.status / 100 == 3 && hop < kMaxRedirects; ++hop) {
        auto location = response.header("Location");
        if (location.empty()) break;
        const auto from = request.url.starts_with('/') ? base_url_ + request.url : request.url;
        request = HttpRequest{"GET", resolve_url(from, location), {}, {}};
        response = co_await send_http(executor_, request, options, on_body);
    }
    if (response.status != 200) refused(request, response);
}

}  // namespace sb::op::registry
