#include "server/store/setting_store.hpp"

namespace sb::server::store {

asio::awaitable<std::optional<std::string>> SettingStore::get(std::string name) {
    auto rows = co_await q_.query("SELECT value FROM settings WHERE name = $1", db::params(std::move(name)));
    if (rows.empty()) co_return std::nullopt;
    co_return rows.one().str(0);
}

asio::awaitable<void> SettingStore::put(std::string name, std::string value) {
    co_await q_.query("DELETE FROM settings WHERE name = $1", db::params(name));
    co_await q_.query("INSERT INTO settings (name, value) VALUES ($1, $2)", db::params(std::move(name), std::move(value)));
}

asio::awaitable<void> SettingStore::put_if_absent(std::string name, std::string value) {
    co_await q_.query("INSERT INTO settings (name, value) VALUES ($1, $2) ON CONFLICT DO NOTHING",
                      db::params(std::move(name), std::move(value)));
}

}  // namespace sb::server::store
