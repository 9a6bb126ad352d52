#pragma once
// Everything a request handler may use, owned by the running server.
#include <boost/asio/any_io_executor.hpp>

#include <memory>

#include "server/agent/agent_hub.hpp"
#include "server/agent/log_tap.hpp"
#include "server/auth/auth_cache.hpp"
#include "server/core/config.hpp"
#include "server/core/crypto.hpp"
#include "server/core/events.hpp"
#include "server/core/licence.hpp"
#include "server/auth/passwords.hpp"
#include "server/core/rate_limiter.hpp"
#include "server/db/sql.hpp"

namespace sb::server {

struct ServerState {
    ServerState(Config cfg, std::unique_ptr<db::Database> database, crypto::MasterKey master_key)
        : config(std::move(cfg)),
          db(std::move(database)),
          secrets(master_key),
          passwords(config.fast_password_hashing ? PasswordCost::minimal() : PasswordCost::interactive(),
                    config.hash_threads, config.hash_max_pending),
          account_failures(config.login_failures_per_account, config.login_failure_window),
          ip_failures(config.login_failures_per_ip, config.login_failure_window) {
        db->observe_writes([this](const std::vector<db::TableWrite>& writes) { auth_cache.invalidate(writes); });
    }

    Config config;
    std::unique_ptr<db::Database> db;
    crypto::SecretBox secrets;
    PasswordHasher passwords;
    FailureLimiter account_failures;
    FailureLimiter ip_failures;
    // Deliveries per git webhook in a sliding minute (api/webhook_routes).
    FailureLimiter webhook_deliveries{120, std::chrono::seconds(60)};
    EventHub events;
    agent::AgentHub agents;  // the clusters' live operator connections
    agent::LogTapCounts log_taps;  // API clients' open log streams, for their limits
    AuthCache auth_cache;  // tokens, sessions, roles, parents: emptied by the writes that change them
    Licence licence;  // loaded at start, replaced by PUT /api/v1/licence
    bool ready = false;
    bool shutting_down = false;

    std::string licence_key() const {
        return config.licence_public_key.empty() ? std::string(builtin_licence_public_key()) : config.licence_public_key;
    }
};

}  // namespace sb::server
