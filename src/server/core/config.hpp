#pragma once
// Server configuration; filled from flags, environment (SB_*) and an
// optional config file by the command line (main.cpp), or directly by tests.
#include <chrono>
#include <cstdint>
#include <string>

namespace sb::server {

struct Config {
    std::string listen_address = "127.0.0.1";
    int port = 8080;
    std::string data_dir = "./data";
    std::string database_url;          // PostgreSQL when set
    int database_pool_size = 4;
    std::string tls_cert_file, tls_key_file;
    std::string master_key;            // base64; else master_key_file
    std::string master_key_file;       // default <data_dir>/master.key
    std::string admin_email = "admin@localhost";
    std::string admin_password;        // generated and printed once when empty
    std::string licence_public_key;    // default: the built-in vendor key
    std::size_t body_limit_bytes = 1 << 20;
    // An uploaded source archive (PUT .../apps/{app}/source, sb push --path);
    // relayed to the app's cluster as it arrives, never held whole.
    std::uint64_t source_upload_limit_bytes = 100ull << 20;
    bool fast_password_hashing = false;  // tests only: minimal Argon2id cost
    int hash_threads = 1;
    int hash_max_pending = 16;
    int login_failures_per_account = 5;
    int login_failures_per_ip = 20;
    std::chrono::seconds login_failure_window{900};
    std::chrono::seconds session_ttl{7 * 24 * 3600};
    std::size_t ws_queue_limit = 1024;   // messages per subscriber
    std::chrono::seconds shutdown_grace{10};
    // Log streams API clients may have open at once (REST and WebSocket);
    // the operator itself allows 64 per cluster, builds' logs included.
    std::size_t log_streams_per_user = 8;
    std::size_t log_streams_per_cluster = 32;
    // The URL clusters reach the server at (https://host[:port][/prefix]); it
    // goes into registration commands and operator manifests. Empty: the
    // scheme and Host of the request that asked for them.
    std::string public_url;
    std::chrono::seconds registration_ttl{3600};  // a registration URL's lifetime
    std::string ui_dir;  // the web UI's built files; empty: default_ui_dir() (http/static_site.hpp)
    std::string operator_image;  // empty: the image of deploy/manifests/shapeblock-operator.yaml
    bool tls() const { return !tls_cert_file.empty(); }
    std::string master_key_path() const { return master_key_file.empty() ? data_dir + "/master.key" : master_key_file; }
};

}  // namespace sb::server
