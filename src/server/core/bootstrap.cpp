#include "server/core/bootstrap.hpp"

#include <cstdio>

#include "common/log.hpp"
#include "server/core/key_rotation.hpp"
#include "server/store/member_store.hpp"
#include "server/store/setting_store.hpp"
#include "server/store/team_store.hpp"
#include "server/store/user_store.hpp"

namespace sb::server {
namespace asio = boost::asio;

asio::awaitable<void> bootstrap(ServerState& state) {
    co_await check_master_key(*state.db, state.secrets);
    auto users = co_await store::UserStore(*state.db).count();
    if (users == 0) {
        std::string password = state.config.admin_password;
        bool generated = password.empty();
        if (generated) password = crypto::random_hex(12);
        auto hash = co_await state.passwords.hash(password);
        auto user_id = crypto::new_id(), team_id = crypto::new_id();
        auto now = crypto::now_ms();
        co_await state.db->transact([&](db::Session& s) -> asio::awaitable<void> {
            store::User admin{user_id, state.config.admin_email, "Administrator", true, now};
            co_await store::UserStore(s).insert(std::move(admin), hash);
            co_await store::TeamStore(s).insert(team_id, "default", "Default", now);
            co_await store::MemberStore(s).insert(team_id, user_id, "owner", now);
        });
        sb::log::info("created the administrator and the default team", {{"email", boost::json::value(state.config.admin_email)}});
        if (generated) {
            // Shown exactly once, on stdout (logs go to stderr and never carry it).
            std::printf("\nShapeBlock administrator: %s\nPassword (shown only now): %s\n\n", state.config.admin_email.c_str(),
                        password.c_str());
            std::fflush(stdout);
        }
    }
    auto licence = co_await store::SettingStore(*state.db).get(store::kLicenceSetting);
    if (licence) {
        try {
            state.licence = verify_licence(*licence, state.licence_key());
        } catch (const std::invalid_argument& e) {
            sb::log::warn("the installed licence is not valid; running as the single-tenant edition", {{"reason", e.what()}});
        }
    }
    sb::log::info("licence", {{"licensee", boost::json::value(state.licence.licensee)},
                              {"edition", state.licence.edition == Edition::multi_tenant ? "multi" : "single"}});
}

}  // namespace sb::server
