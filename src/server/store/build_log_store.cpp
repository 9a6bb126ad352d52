#include "server/store/build_log_store.hpp"

namespace sb::server::store {

asio::awaitable<std::int64_t> BuildLogStore::append(std::string build_id, std::string data) {
    auto rows = co_await q_.query("INSERT INTO build_logs (build_id, seq, data) "
                                  "SELECT $1, COALESCE(MAX(seq), 0) + 1, $2 FROM build_logs WHERE build_id = $1 RETURNING seq",
                                  db::params(std::move(build_id), std::move(data)));
    co_return rows.rows.empty() ? 0 : rows.rows.front().i64(0);
}

asio::awaitable<BuildLogStore::Text> BuildLogStore::read_numbered(std::string build_id) {
    auto rows = co_await q_.query("SELECT seq, data FROM build_logs WHERE build_id = $1 ORDER BY seq",
                                  db::params(std::move(build_id)));
    Text out;
    for (const auto& r : rows.rows) {
        out.last_chunk = r.i64(0);
        out.data += r.str(1);
    }
    co_return out;
}

asio::awaitable<std::string> BuildLogStore::read(std::string build_id) {
    auto rows = co_await q_.query("SELECT data FROM build_logs WHERE build_id = $1 ORDER BY seq", db::params(std::move(build_id)));
    std::string out;
    for (const auto& r : rows.rows) out += r.str(0);
    co_return out;
}

asio::awaitable<void> BuildLogStore::clear(std::string build_id) {
    co_await q_.query("DELETE FROM build_logs WHERE build_id = $1", db::params(std::move(build_id)));
}

}  // namespace sb::server::store
