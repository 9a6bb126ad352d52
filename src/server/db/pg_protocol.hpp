#pragma once
// PostgreSQL frontend/backend protocol 3.0: building the messages the server
// sends to PostgreSQL and reading the ones it gets back. Pure functions on
// byte strings; pg_connection does the I/O.
// https://www.postgresql.org/docs/current/protocol-message-formats.html
#include <cstdint>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace sb::server::db::pg {

// A protocol violation: the peer is not speaking PostgreSQL 3.0 as expected.
class ProtocolError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// --- frontend messages -------------------------------------------------------
std::string ssl_request();
std::string startup_message(const std::vector<std::pair<std::string, std::string>>& parameters);
std::string password_message(std::string_view password);
std::string sasl_initial_response(std::string_view mechanism, std::string_view client_first);
std::string sasl_response(std::string_view data);
std::string terminate_message();
// Parse + Bind + Describe + Execute + Sync of one unnamed statement with
// text parameters (nullopt is NULL) and text results: what libpq's
// PQsendQueryParams sends.
std::string extended_query(std::string_view sql, const std::vector<std::optional<std::string>>& parameters);

// --- backend messages --------------------------------------------------------
struct Message {
    char type = 0;
    std::string_view body;
};

// Splits the first complete message off `buffer`; nullopt when more bytes are
// needed. `bytes_needed` then says how many in total (header included).
std::optional<Message> next_message(std::string_view buffer, std::size_t& bytes_needed);
inline constexpr std::size_t max_message_bytes = 256u << 20;

// Reads the fields of one message body in order.
class Reader {
public:
    explicit Reader(std::string_view body) : body_(body) {}
    std::int16_t i16();
    std::int32_t i32();
    std::string_view cstring();
    std::string_view bytes(std::size_t n);
    std::string_view rest();
    bool at_end() const { return pos_ == body_.size(); }

private:
    std::string_view body_;
    std::size_t pos_ = 0;
};

// ErrorResponse / NoticeResponse: fields keyed by their one-letter code
// ('S' severity, 'C' SQLSTATE, 'M' message, 'D' detail, 'H' hint).
std::map<char, std::string> error_fields(std::string_view body);
// "ERROR: message (SQLSTATE 23505): detail"
std::string describe_error(const std::map<char, std::string>& fields);

// DataRow: the column values, NULL as nullopt.
std::vector<std::optional<std::string>> data_row(std::string_view body);
// RowDescription: the column names.
std::vector<std::string> row_description(std::string_view body);
// Rows affected from a CommandComplete tag ("INSERT 0 3", "UPDATE 2", "SELECT 5"; 0 for "BEGIN").
std::int64_t affected_rows(std::string_view command_tag);

}  // namespace sb::server::db::pg
