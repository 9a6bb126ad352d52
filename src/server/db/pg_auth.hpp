#pragma once
// Password authentication to PostgreSQL: SCRAM-SHA-256 (RFC 5802/7677, the
// default since PostgreSQL 14), the older MD5 scheme, and nothing else is
// needed for password logins (cleartext is just the password).
#include <string>
#include <string_view>

namespace sb::server::db::pg {

// One SCRAM-SHA-256 exchange, without channel binding ("n,,").
class ScramSha256 {
public:
    // PostgreSQL ignores the SCRAM user name (it uses the startup message's),
    // so `user` is empty there; the nonce is random unless a test fixes it.
    explicit ScramSha256(std::string password, std::string user = "", std::string client_nonce = "");

    std::string client_first() const;
    // The client-final message for the server-first one; throws
    // std::runtime_error on a malformed challenge or a foreign nonce.
    std::string client_final(std::string_view server_first);
    // Throws unless the server proved it knows the password too.
    void verify_server_final(std::string_view server_final) const;

private:
    std::string password_;
    std::string client_first_bare_;
    std::string client_nonce_;
    std::string expected_server_signature_;
};

// "md5" + md5hex(md5hex(password + user) + salt), for AuthenticationMD5Password.
std::string md5_password(std::string_view user, std::string_view password, std::string_view salt);

}  // namespace sb::server::db::pg
