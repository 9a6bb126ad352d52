#pragma once
// PostgreSQL connection URLs, as libpq reads them:
//   postgresql://[user[:password]@][host][:port][/database][?param=value&...]
// Parameters: host (a directory means a Unix socket), port, user, password,
// dbname, sslmode (disable|prefer|require|verify-ca|verify-full, default
// prefer), sslrootcert (a CA file, or "system"), application_name,
// connect_timeout (seconds).
#include <chrono>
#include <string>
#include <string_view>

namespace sb::server::db::pg {

enum class SslMode { disable, prefer, require, verify_ca, verify_full };

struct ConnectOptions {
    std::string host = "/var/run/postgresql";
    int port = 5432;
    std::string user;  // default: $PGUSER, else $USER
    std::string password;
    std::string database;  // default: the user name
    SslMode ssl_mode = SslMode::prefer;
    std::string ssl_root_cert;  // empty: ~/.postgresql/root.crt as libpq; "system": the OS trust store
    std::chrono::seconds connect_timeout{10};
    std::string application_name = "shapeblock-server";

    bool unix_socket() const { return host.starts_with('/'); }
    std::string unix_socket_path() const { return host + "/.s.PGSQL." + std::to_string(port); }
    // host:port/database, never the password: for logs and errors.
    std::string describe() const;
};

// Throws std::invalid_argument naming the bad part (never echoing a password).
ConnectOptions parse_url(std::string_view url);

}  // namespace sb::server::db::pg
