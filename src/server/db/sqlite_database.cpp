#include "server/db/sqlite_database.hpp"

#include <mutex>

#include "server/db/group_commit.hpp"
#include "server/db/sqlite_connection.hpp"

namespace sb::server::db {
namespace asio = boost::asio;

namespace {

// Read-only connections, one per thread reading at the same moment (the
// server has one IO thread, so usually exactly one). In WAL mode readers
// never wait for the writer and never fsync, so reads run inline on the
// caller's thread: no hop to another thread, no queueing behind writes.
class ReaderPool {
public:
    ReaderPool(std::string path, int busy_timeout_ms) : path_(std::move(path)), busy_timeout_ms_(busy_timeout_ms) {}

    class Lease {
    public:
        Lease(ReaderPool& pool, std::unique_ptr<SqliteConnection> c) : pool_(pool), connection_(std::move(c)) {}
        ~Lease() { pool_.give_back(std::move(connection_)); }
        SqliteConnection* operator->() { return connection_.get(); }

    private:
        ReaderPool& pool_;
        std::unique_ptr<SqliteConnection> connection_;
    };

    Lease acquire() {
        {
            std::lock_guard lock(mutex_);
            if (!idle_.empty()) {
                auto c = std::move(idle_.back());
                idle_.pop_back();
                return Lease(*this, std::move(c));
            }
        }
        return Lease(*this, std::make_unique<SqliteConnection>(path_, SqliteConnection::Mode::reader, busy_timeout_ms_));
    }

private:
    void give_back(std::unique_ptr<SqliteConnection> c) {
        std::lock_guard lock(mutex_);
        idle_.push_back(std::move(c));
    }

    std::string path_;
    int busy_timeout_ms_;
    std::mutex mutex_;
    std::vector<std::unique_ptr<SqliteConnection>> idle_;
};

class SqliteDatabase final : public Database {
public:
    SqliteDatabase(asio::any_io_executor io, const std::string& path, int busy_timeout_ms)
        : writer_connection_(path, SqliteConnection::Mode::writer, busy_timeout_ms),
          writer_(std::move(io), writer_connection_, [this](const std::vector<TableWrite>& writes) { committed(writes); }),
          readers_(path, busy_timeout_ms) {}

    std::string_view engine() const override { return "sqlite"; }

    asio::awaitable<Result> query(std::string sql, Params params) override {
        {
            auto reader = readers_.acquire();
            if (auto result = reader->run_if_reads_only(sql, params)) co_return std::move(*result);
        }
        Result result;
        auto body = [&](Session& s) -> asio::awaitable<void> { result = co_await s.query(sql, params); };
        co_await writer_.transact(body);
        co_return result;
    }

    asio::awaitable<void> transact(std::function<asio::awaitable<void>(Session&)> body) override {
        co_await writer_.transact(std::move(body));
    }

private:
    SqliteConnection writer_connection_;
    GroupCommitWriter writer_;
    ReaderPool readers_;
};

}  // namespace

std::unique_ptr<Database> open_sqlite(asio::any_io_executor io, const std::string& path, int busy_timeout_ms) {
    return std::make_unique<SqliteDatabase>(std::move(io), path, busy_timeout_ms);
}

}  // namespace sb::server::db
