#include "server/store/sealed_value_store.hpp"

namespace sb::server::store {

namespace {
std::vector<std::string> key_names(const SealedColumn& c) {
    std::vector<std::string> names;
    std::string keys = c.key_columns;
    std::size_t start = 0;
    for (;;) {
        auto comma = keys.find(',', start);
        std::string name = keys.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
        name.erase(0, name.find_first_not_of(' '));
        names.push_back(std::move(name));
        if (comma == std::string::npos) break;
        start = comma + 1;
    }
    return names;
}
}  // namespace

const std::vector<SealedColumn>& sealed_columns() {
    static const std::vector<SealedColumn> columns = {
        {"apps", "id", "secrets"},
        {"app_webhooks", "id", "secret"},
        {"releases", "id", "secrets"},  // a rollback opens them again
        {"idempotency_keys", "scope, idem_key", "body"},
        {"settings", "name", "value"},
    };
    return columns;
}

asio::awaitable<std::vector<SealedValue>> SealedValueStore::list(SealedColumn c) {
    std::size_t key_count = key_names(c).size();
    auto rows = co_await q_.query(std::string("SELECT ") + c.key_columns + ", " + c.column + " FROM " + c.table + " WHERE " +
                                  c.column + " LIKE 'v1:%'");
    std::vector<SealedValue> out;
    out.reserve(rows.rows.size());
    for (const auto& row : rows.rows) {
        SealedValue v;
        for (std::size_t i = 0; i < key_count; ++i) v.key.push_back(row.str(i));
        v.sealed = row.str(key_count);
        out.push_back(std::move(v));
    }
    co_return out;
}

asio::awaitable<void> SealedValueStore::replace(SealedColumn c, SealedValue value) {
    std::string update = std::string("UPDATE ") + c.table + " SET " + c.column + " = $1 WHERE ";
    auto names = key_names(c);
    for (std::size_t i = 0; i < names.size(); ++i) update += (i ? " AND " : "") + names[i] + " = $" + std::to_string(i + 2);
    db::Params params{std::move(value.sealed)};
    for (auto& k : value.key) params.emplace_back(std::move(k));
    co_await q_.query(std::move(update), std::move(params));
}

}  // namespace sb::server::store
