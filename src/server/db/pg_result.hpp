#pragma once
// Between db:: values and libpq: parameters as the C strings
// PQsendQueryParams takes, results and errors back as db::Result and db::Error.
#include <libpq-fe.h>

#include <string>
#include <string_view>
#include <vector>

#include "server/db/sql.hpp"

namespace sb::server::db::pg {

// Text parameters (integers in decimal), NULL as a null pointer. A NUL byte
// would silently cut a C string short, so it is refused (PostgreSQL text
// cannot hold one either).
class TextParams {
  public:
    explicit TextParams(const Params& params);
    TextParams(const TextParams&) = delete;
    TextParams& operator=(const TextParams&) = delete;
    int count() const { return static_cast<int>(values_.size()); }
    const char* const* values() const { return values_.data(); }

  private:
    std::vector<std::string> text_;
    std::vector<const char*> values_;
};

// Column names, rows (NULL kept apart from ''), and the rows a command
// affected (PQcmdTuples; 0 for commands that report none).
Result to_result(const PGresult* result);

Error::Kind classify_sqlstate(std::string_view sqlstate);
// "postgres: ERROR: message (SQLSTATE 23505): detail"
Error sql_error(std::string_view severity, std::string_view sqlstate, std::string_view message,
                std::string_view detail);
// The error a failed PGresult carries.
Error sql_error(const PGresult* result);

}  // namespace sb::server::db::pg
