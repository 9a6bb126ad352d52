#include "server/db/sql.hpp"

#include <cctype>
#include <charconv>

namespace sb::server::db {

const std::string& Row::str(std::size_t i) const {
    const auto& v = values_.at(i);
    if (!v) throw Error(Error::Kind::other, "unexpected NULL in column " + columns_->at(i));
    return *v;
}

std::int64_t Row::i64(std::size_t i) const {
    const std::string& text = str(i);
    std::int64_t out = 0;
    auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
    if (ec != std::errc() || ptr != text.data() + text.size())
        throw Error(Error::Kind::other, "column " + columns_->at(i) + " is not an integer: " + text);
    return out;
}

namespace {

std::string_view next_word(std::string_view& text) {
    while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) text.remove_prefix(1);
    std::size_t n = 0;
    while (n < text.size() && (std::isalnum(static_cast<unsigned char>(text[n])) || text[n] == '_')) ++n;
    auto word = text.substr(0, n);
    text.remove_prefix(n);
    return word;
}

bool iequals(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i)
        if (std::toupper(static_cast<unsigned char>(a[i])) != std::toupper(static_cast<unsigned char>(b[i]))) return false;
    return true;
}

// `needle` in upper case; only positions starting with its first letter are compared.
bool icontains(std::string_view text, std::string_view needle) {
    char first_upper = needle.front(), first_lower = static_cast<char>(std::tolower(static_cast<unsigned char>(first_upper)));
    for (std::size_t i = 0; i + needle.size() <= text.size(); ++i)
        if ((text[i] == first_upper || text[i] == first_lower) && iequals(text.substr(i, needle.size()), needle)) return true;
    return false;
}

std::string lower(std::string_view word) {
    std::string out(word);
    for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

}  // namespace

std::optional<TableWrite> classify_write(std::string_view sql) {
    std::string_view rest = sql;
    auto verb = next_word(rest);
    for (auto read_only : {"SELECT", "BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE", "END"})
        if (iequals(verb, read_only)) return std::nullopt;
    if (iequals(verb, "INSERT")) {
        if (!iequals(next_word(rest), "INTO")) return TableWrite{TableWrite::Kind::change, "*"};
        auto table = lower(next_word(rest));
        // An upsert may change an existing row.
        bool upsert = icontains(rest, "DO UPDATE");
        return TableWrite{upsert ? TableWrite::Kind::change : TableWrite::Kind::insert, std::move(table)};
    }
    if (iequals(verb, "UPDATE")) return TableWrite{TableWrite::Kind::update, lower(next_word(rest))};
    if (iequals(verb, "DELETE")) {
        if (!iequals(next_word(rest), "FROM")) return TableWrite{TableWrite::Kind::change, "*"};
        return TableWrite{TableWrite::Kind::remove, lower(next_word(rest))};
    }
    return TableWrite{TableWrite::Kind::change, "*"};  // WITH, DDL, PRAGMA ...: assume anything changed
}

boost::asio::awaitable<bool> Database::ping() {
    try {
        co_await query("SELECT 1", {});
        co_return true;
    } catch (const std::exception&) {
        co_return false;
    }
}

const Row& Result::one() const {
    if (rows.size() != 1) throw Error(Error::Kind::other, "expected one row, got " + std::to_string(rows.size()));
    return rows.front();
}

}  // namespace sb::server::db
