#pragma once
// The master key seals secrets at rest (app env values and credentials,
// stored create responses). Rotation opens every sealed value with the
// current key and seals it again with the next one in a single transaction,
// so the database is never half old, half new. The operator's procedure is
// in src/server/README.md ("Rotating the master key").
#include <boost/asio/awaitable.hpp>

#include <cstdint>
#include <string>

#include "server/core/config.hpp"
#include "server/core/crypto.hpp"
#include "server/db/sql.hpp"

namespace sb::server {

// At every start: the database remembers a value sealed with its master key,
// so a wrong key fails the start with a clear message instead of failing
// requests later. Writes the value on the first start.
boost::asio::awaitable<void> check_master_key(db::Database& db, const crypto::SecretBox& secrets);

// Re-seals every sealed value under `next` in one transaction and returns how
// many. A value that already opens with `next` (a rotation that committed
// but was interrupted before its key file was replaced) is re-sealed too.
// Throws, changing nothing, when a value opens with neither key.
boost::asio::awaitable<std::int64_t> reseal_all(db::Database& db, crypto::MasterKey current, crypto::MasterKey next);

struct RotationOutcome {
    std::int64_t resealed = 0;
    std::string key_file;           // where the new key now is (empty: already rotated)
    std::string previous_key_file;  // the old key, kept for restoring older backups
    bool key_from_environment = false;
};

// The `rotate-master-key` command, server stopped. The current key comes from
// SB_MASTER_KEY or the key file; the next from `new_key_file` when given
// (created with a fresh key when missing), else from <key file>.next (the
// same: created when missing, reused when a rotation is resumed). The old
// key is copied to <key file>.previous-<time> before anything changes; the
// key file is replaced only after the transaction committed.
RotationOutcome rotate_master_key(const Config& config, const std::string& new_key_file);

}  // namespace sb::server
