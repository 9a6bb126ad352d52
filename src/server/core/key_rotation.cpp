#include "server/core/key_rotation.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>

#include <algorithm>
#include <ctime>
#include <filesystem>
#include <stdexcept>

#include "server/core/utc_time.hpp"
#include "server/db/migrations.hpp"

namespace sb::server {
namespace asio = boost::asio;

namespace {

constexpr const char* kCheckName = "master_key_check";
constexpr const char* kCheckPlaintext = "shapeblock master key check";

std::string open_with_either(const crypto::SecretBox& current, const crypto::SecretBox& next, const std::string& sealed) {
    try {
        return current.open(sealed);
    } catch (const std::runtime_error&) {
        return next.open(sealed);  // throws when neither key opens it
    }
}

}  // namespace

const std::vector<SealedColumn>& sealed_columns() {
    static const std::vector<SealedColumn> columns = {
        {"apps", "id", "secrets"},
        {"idempotency_keys", "scope, idem_key", "body"},
        {"settings", "name", "value"},
    };
    return columns;
}

asio::awaitable<void> check_master_key(db::Database& db, const crypto::SecretBox& secrets) {
    auto rows = co_await db.query("SELECT value FROM settings WHERE name = $1", db::params(std::string(kCheckName)));
    if (rows.empty()) {
        co_await db.query("INSERT INTO settings (name, value) VALUES ($1, $2) ON CONFLICT DO NOTHING",
                          db::params(std::string(kCheckName), secrets.seal(kCheckPlaintext)));
        co_return;
    }
    bool matches = false;
    try {
        matches = secrets.open(rows.one().str(0)) == kCheckPlaintext;
    } catch (const std::runtime_error&) {
    }
    if (!matches)
        throw std::runtime_error(
            "the master key does not match this database (its secrets were sealed with another key); use the key file "
            "or SB_MASTER_KEY the database was created or last rotated with. If `shapeblock-server rotate-master-key` "
            "was interrupted, run the same command again to finish it.");
}

asio::awaitable<std::int64_t> reseal_all(db::Database& db, crypto::MasterKey current, crypto::MasterKey next) {
    const crypto::SecretBox old_box(current), new_box(next);
    std::int64_t resealed = 0;
    co_await db.transact([&](db::Session& s) -> asio::awaitable<void> {
        for (const auto& c : sealed_columns()) {
            std::string keys = c.key_columns;
            std::size_t key_count = 1 + static_cast<std::size_t>(std::count(keys.begin(), keys.end(), ','));
            std::string select = "SELECT " + keys + ", " + c.column + " FROM " + c.table + " WHERE " + c.column + " LIKE 'v1:%'";
            auto rows = co_await s.query(select);
            std::string update = std::string("UPDATE ") + c.table + " SET " + c.column + " = $1 WHERE ";
            std::size_t start = 0;
            for (std::size_t i = 0; i < key_count; ++i) {
                auto comma = keys.find(',', start);
                std::string name = keys.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
                name.erase(0, name.find_first_not_of(' '));
                update += (i ? " AND " : "") + name + " = $" + std::to_string(i + 2);
                start = comma + 1;
            }
            for (const auto& row : rows.rows) {
                db::Params values{new_box.seal(open_with_either(old_box, new_box, row.str(key_count)))};
                for (std::size_t i = 0; i < key_count; ++i) values.emplace_back(row.str(i));
                co_await s.query(update, std::move(values));
                ++resealed;
            }
        }
        // A database that never started a server since the check value was
        // introduced gets one now, under the new key.
        co_await s.query("INSERT INTO settings (name, value) VALUES ($1, $2) ON CONFLICT DO NOTHING",
                         db::params(std::string(kCheckName), new_box.seal(kCheckPlaintext)));
    });
    co_return resealed;
}

RotationOutcome rotate_master_key(const Config& config, const std::string& new_key_file) {
    namespace fs = std::filesystem;
    crypto::init();
    RotationOutcome out;
    out.key_from_environment = !config.master_key.empty();
    if (out.key_from_environment && new_key_file.empty())
        throw std::invalid_argument("the master key comes from SB_MASTER_KEY: give --new-master-key-file (created when "
                                    "missing) and set SB_MASTER_KEY to its content once the rotation is done");
    const std::string key_path = config.master_key_path();
    crypto::MasterKey current = out.key_from_environment ? crypto::parse_master_key(config.master_key)
                                                         : crypto::read_master_key_file(key_path);
    const std::string next_path = new_key_file.empty() ? key_path + ".next" : new_key_file;
    crypto::MasterKey next;
    if (fs::exists(next_path)) {
        next = crypto::read_master_key_file(next_path);
    } else {
        next = crypto::random_master_key();
        crypto::write_master_key_file(next_path, next);
    }
    if (next == current) {
        // Finished earlier: the key file already holds the new key.
        if (new_key_file.empty()) fs::remove(next_path);
        return out;
    }
    if (!out.key_from_environment) {
        out.previous_key_file = key_path + ".previous-" + format_utc(std::time(nullptr), "%Y%m%dT%H%M%SZ");
        crypto::write_master_key_file(out.previous_key_file, current);
    }

    asio::io_context io;
    std::exception_ptr failure;
    asio::co_spawn(
        io,
        [&]() -> asio::awaitable<void> {
            auto database = db::open(io.get_executor(), {config.database_url, config.data_dir, 1, 5000});
            co_await db::migrate(*database);
            out.resealed = co_await reseal_all(*database, current, next);
        },
        [&](std::exception_ptr e) { failure = e; });
    io.run();
    if (failure) std::rethrow_exception(failure);

    // Committed: only now does the key file change.
    if (out.key_from_environment) {
        out.key_file = next_path;
    } else {
        crypto::write_master_key_file(key_path, next);
        if (new_key_file.empty()) fs::remove(next_path);
        out.key_file = key_path;
    }
    return out;
}

}  // namespace sb::server
