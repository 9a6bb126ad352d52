#include "server/core/config_check.hpp"

#include <boost/asio/ip/address.hpp>

#include <stdexcept>

namespace sb::server {

namespace {

bool is_ip_address(const std::string& text) {
    boost::system::error_code ec;
    boost::asio::ip::make_address(text, ec);
    return !ec;
}

void check_listen_address(const std::string& address) {
    if (is_ip_address(address)) return;
    std::string message = "--listen (SB_LISTEN) must be an IP address such as 127.0.0.1, 0.0.0.0 or ::; got '" + address + "'";
    auto colon = address.rfind(':');
    if (colon != std::string::npos && is_ip_address(address.substr(0, colon)))
        message += " (give the port with --port / SB_PORT: --listen " + address.substr(0, colon) + " --port " +
                   address.substr(colon + 1) + ")";
    throw std::invalid_argument(message);
}

void check_public_url(const std::string& url) {
    if (url.empty()) return;
    bool scheme = url.starts_with("https://") || url.starts_with("http://");
    auto host_start = url.find("://") + 3;
    bool host = scheme && host_start < url.size() && url[host_start] != '/';
    bool clean = url.find_first_of(" \t\r\n?#'\"\\") == std::string::npos;
    if (!scheme || !host || !clean)
        throw std::invalid_argument("--public-url (SB_PUBLIC_URL) must be the URL clusters reach the server at, such as "
                                    "https://shapeblock.example.com (no query, quotes or spaces); got '" + url + "'");
}

}  // namespace

void check_config(const Config& config) {
    check_listen_address(config.listen_address);
    if (config.port < 0 || config.port > 65535)
        throw std::invalid_argument("--port (SB_PORT) must be a TCP port from 0 to 65535 (0: any free port); got " +
                                    std::to_string(config.port));
    if (config.database_pool_size < 1)
        throw std::invalid_argument("--database-pool (SB_DATABASE_POOL) must be at least 1; got " +
                                    std::to_string(config.database_pool_size));
    if (config.hash_threads < 1)
        throw std::invalid_argument("--hash-threads (SB_HASH_THREADS) must be at least 1; got " + std::to_string(config.hash_threads));
    if (config.body_limit_bytes < 1) throw std::invalid_argument("--body-limit (SB_BODY_LIMIT) must be at least 1 byte");
    if (config.source_upload_limit_bytes < 1)
        throw std::invalid_argument("--source-upload-limit (SB_SOURCE_UPLOAD_LIMIT) must be at least 1 byte");
    if (config.tls_cert_file.empty() != config.tls_key_file.empty())
        throw std::invalid_argument("--tls-cert (SB_TLS_CERT) and --tls-key (SB_TLS_KEY) go together: give both or neither");
    check_public_url(config.public_url);
    if (config.log_streams_per_user < 1)
        throw std::invalid_argument("--log-streams-per-user (SB_LOG_STREAMS_PER_USER) must be at least 1");
    if (config.log_streams_per_cluster < 1 || config.log_streams_per_cluster > 60)
        throw std::invalid_argument("--log-streams-per-cluster (SB_LOG_STREAMS_PER_CLUSTER) must be from 1 to 60 (the operator "
                                    "keeps at most 64 streams, builds' logs included); got " +
                                    std::to_string(config.log_streams_per_cluster));
    if (config.registration_ttl.count() < 60 || config.registration_ttl.count() > 7 * 24 * 3600)
        throw std::invalid_argument("--registration-ttl (SB_REGISTRATION_TTL) must be from 60 to 604800 seconds; got " +
                                    std::to_string(config.registration_ttl.count()));
    if (config.operator_image.find_first_of(" \t\r\n'\"\\") != std::string::npos)
        throw std::invalid_argument("--operator-image (SB_OPERATOR_IMAGE) must be an image reference such as "
                                    "ghcr.io/shapeblock/shapeblock-operator:0.1.0; got '" + config.operator_image + "'");
}

}  // namespace sb::server
