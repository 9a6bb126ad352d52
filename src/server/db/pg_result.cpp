#include "server/db/pg_result.hpp"

#include <charconv>

#include "server/db/pg_libpq.hpp"

namespace sb::server::db::pg {

TextParams::TextParams(const Params& params) {
    text_.reserve(params.size());  // no reallocation: values_ points into text_
    values_.reserve(params.size());
    for (const auto& p : params) {
        if (const auto* n = std::get_if<std::int64_t>(&p)) {
            values_.push_back(text_.emplace_back(std::to_string(*n)).c_str());
        } else if (const auto* s = std::get_if<std::string>(&p)) {
            if (s->find('\0') != std::string::npos)
                throw Error(Error::Kind::other, "postgres: parameter " +
                                                    std::to_string(values_.size() + 1) +
                                                    " contains a NUL byte");
            values_.push_back(text_.emplace_back(*s).c_str());
        } else {
            values_.push_back(nullptr);
        }
    }
}

Result to_result(const PGresult* result) {
    Result out;
    const int columns = libpq().PQnfields(result);
    out.columns->reserve(static_cast<std::size_t>(columns));
    for (int c = 0; c < columns; ++c) out.columns->emplace_back(libpq().PQfname(result, c));
    const int rows = libpq().PQntuples(result);
    out.rows.reserve(static_cast<std::size_t>(rows));
    for (int r = 0; r < rows; ++r) {
        std::vector<std::optional<std::string>> values;
        values.reserve(static_cast<std::size_t>(columns));
        for (int c = 0; c < columns; ++c) {
            if (libpq().PQgetisnull(result, r, c))
                values.emplace_back();
            else
                values.emplace_back(std::in_place, libpq().PQgetvalue(result, r, c),
                                    static_cast<std::size_t>(libpq().PQgetlength(result, r, c)));
        }
        out.rows.emplace_back(out.columns.get(), std::move(values));
    }
    std::string_view affected = libpq().PQcmdTuples(const_cast<PGresult*>(result));
    std::from_chars(affected.data(), affected.data() + affected.size(), out.affected);
    return out;
}

Error::Kind classify_sqlstate(std::string_view sqlstate) {
    if (sqlstate == "23505") return Error::Kind::unique_violation;
    if (sqlstate == "23503") return Error::Kind::foreign_key_violation;
    // connection exceptions, operator intervention (shutdown), insufficient resources
    if (sqlstate.starts_with("08") || sqlstate.starts_with("57") || sqlstate.starts_with("53"))
        return Error::Kind::unavailable;
    return Error::Kind::other;
}

Error sql_error(std::string_view severity, std::string_view sqlstate, std::string_view message,
                std::string_view detail) {
    std::string text = "postgres: ";
    text.append(severity.empty() ? "ERROR" : severity).append(": ").append(message);
    if (!sqlstate.empty()) text.append(" (SQLSTATE ").append(sqlstate).append(")");
    if (!detail.empty()) text.append(": ").append(detail);
    return Error(classify_sqlstate(sqlstate), text);
}

Error sql_error(const PGresult* result) {
    auto field = [result](int code) {
        const char* value = libpq().PQresultErrorField(result, code);
        return std::string_view(value ? value : "");
    };
    std::string_view message = field(PG_DIAG_MESSAGE_PRIMARY);
    std::string fallback;
    if (message.empty()) {  // an error libpq itself reported, such as a lost connection
        fallback = libpq().PQresultErrorMessage(result);
        while (!fallback.empty() && (fallback.back() == '\n' || fallback.back() == ' '))
            fallback.pop_back();
        message = fallback;
    }
    return sql_error(field(PG_DIAG_SEVERITY_NONLOCALIZED), field(PG_DIAG_SQLSTATE), message,
                     field(PG_DIAG_MESSAGE_DETAIL));
}

}  // namespace sb::server::db::pg
