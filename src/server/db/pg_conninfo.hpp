#pragma once
// The database URL, handed to libpq unchanged: a postgresql:// URI or a
// key=value connection string with everything libpq reads (several hosts with
// target_session_attrs, sslmode/sslrootcert/sslcert, GSSAPI, PG* environment
// variables, ~/.pgpass). Checked once up front with libpq's own parser, so a
// typo is an error at start rather than on the first query.
#include <chrono>
#include <string>
#include <string_view>
#include <vector>

namespace sb::server::db::pg {

struct ConnInfo {
    std::string url;  // exactly as given, for libpq
    // hosts:ports/dbname as written, never the password: for logs and errors.
    std::string description;
    // libpq leaves the time limit to a caller that connects asynchronously:
    // connect_timeout (or PGCONNECT_TIMEOUT), 10 s when neither is set, for
    // the whole attempt over all hosts; 0 waits forever.
    std::chrono::seconds connect_timeout{10};
    // The password and key passphrase as written and as decoded: removed
    // from every message that could quote them.
    std::vector<std::string> secrets;
};

// Throws std::invalid_argument with libpq's reason (secrets removed).
ConnInfo parse_conninfo(std::string_view url);

// `text` with every secret replaced by "***".
std::string redact(std::string text, const std::vector<std::string>& secrets);

}  // namespace sb::server::db::pg
