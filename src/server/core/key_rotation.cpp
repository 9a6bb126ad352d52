#include "server/core/key_rotation.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>

#include <algorithm>
#include <ctime>
#include <filesystem>
#include <stdexcept>

#include "common/rfc3339.hpp"
#include "server/db/migrations.hpp"
#include "server/store/sealed_value_store.hpp"
#include "server/store/setting_store.hpp"

namespace sb::server {
namespace asio = boost::asio;

namespace {

constexpr const char* kCheckName = "master_key_check";
constexpr const char* kCheckPlaintext = "shapeblock master key check";

// "20261203T093013Z": the RFC 3339 moment without separators, for a file name.
std::string compact_utc_now() {
    auto text = sb::now_rfc3339();
    std::erase_if(text, [](char c) { return c == '-' || c == ':'; });
    return text;
}

std::string open_with_either(const crypto::SecretBox& current, const crypto::SecretBox& next, const std::string& sealed) {
    try {
        return current.open(sealed);
    } catch (const std::runtime_error&) {
        return next.open(sealed);  // throws when neither key opens it
    }
}

}  // namespace

asio::awaitable<void> check_master_key(db::Database& db, const crypto::SecretBox& secrets) {
    auto stored = co_await store::SettingStore(db).get(kCheckName);
    if (!stored) {
        co_await store::SettingStore(db).put_if_absent(kCheckName, secrets.seal(kCheckPlaintext));
        co_return;
    }
    bool matches = false;
    try {
        matches = secrets.open(*stored) == kCheckPlaintext;
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
        store::SealedValueStore values(s);
        for (const auto& c : store::sealed_columns()) {
            for (auto& v : co_await values.list(c)) {
                v.sealed = new_box.seal(open_with_either(old_box, new_box, v.sealed));
                co_await values.replace(c, std::move(v));
                ++resealed;
            }
        }
        // A database that never started a server since the check value was
        // introduced gets one now, under the new key.
        co_await store::SettingStore(s).put_if_absent(kCheckName, new_box.seal(kCheckPlaintext));
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
        out.previous_key_file = key_path + ".previous-" + compact_utc_now();
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
