#include "server/core/bootstrap.hpp"

#include <cstdio>

#include "common/log.hpp"
#include "server/core/key_rotation.hpp"

namespace sb::server {
namespace asio = boost::asio;

asio::awaitable<void> bootstrap(ServerState& state) {
    co_await check_master_key(*state.db, state.secrets);
    auto users = co_await state.db->query("SELECT COUNT(*) FROM users");
    if (users.one().i64(0) == 0) {
        std::string password = state.config.admin_password;
        bool generated = password.empty();
        if (generated) password = crypto::random_hex(12);
        auto hash = co_await state.passwords.hash(password);
        auto user_id = crypto::new_id(), team_id = crypto::new_id();
        auto now = crypto::now_ms();
        co_await state.db->transact([&](db::Session& s) -> asio::awaitable<void> {
            co_await s.query("INSERT INTO users (id, email, name, password_hash, is_admin, created_at) VALUES ($1, $2, 'Administrator', $3, 1, $4)",
                             db::params(user_id, state.config.admin_email, hash, now));
            co_await s.query("INSERT INTO teams (id, name, display_name, created_at, updated_at) VALUES ($1, 'default', 'Default', $2, $2)",
                             db::params(team_id, now));
            co_await s.query("INSERT INTO memberships (team_id, user_id, role, created_at) VALUES ($1, $2, 'owner', $3)",
                             db::params(team_id, user_id, now));
        });
        sb::log::info("created the administrator and the default team", {{"email", boost::json::value(state.config.admin_email)}});
        if (generated) {
            // Shown exactly once, on stdout (logs go to stderr and never carry it).
            std::printf("\nShapeBlock administrator: %s\nPassword (shown only now): %s\n\n", state.config.admin_email.c_str(),
                        password.c_str());
            std::fflush(stdout);
        }
    }
    auto licence = co_await state.db->query("SELECT value FROM settings WHERE name = 'licence'");
    if (!licence.empty()) {
        try {
            state.licence = verify_licence(licence.one().str(0), state.licence_key());
        } catch (const std::invalid_argument& e) {
            sb::log::warn("the installed licence is not valid; running as the single-tenant edition", {{"reason", e.what()}});
        }
    }
    sb::log::info("licence", {{"licensee", boost::json::value(state.licence.licensee)},
                              {"edition", state.licence.edition == Edition::multi_tenant ? "multi" : "single"}});
}

}  // namespace sb::server
