#include "db/sql.hpp"

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

const Row& Result::one() const {
    if (rows.size() != 1) throw Error(Error::Kind::other, "expected one row, got " + std::to_string(rows.size()));
    return rows.front();
}

}  // namespace sb::server::db
