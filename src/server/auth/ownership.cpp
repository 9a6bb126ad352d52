#include "server/auth/ownership.hpp"

#include <array>

#include "server/core/crypto.hpp"
#include "server/core/state.hpp"
#include "server/store/app_store.hpp"
#include "server/store/build_store.hpp"
#include "server/store/cluster_store.hpp"
#include "server/store/member_store.hpp"
#include "server/store/project_store.hpp"
#include "server/store/service_store.hpp"
#include "server/store/token_store.hpp"
#include "server/store/user_store.hpp"

namespace sb::server {
namespace asio = boost::asio;

namespace {

using Check = asio::awaitable<bool> (*)(db::Database&, std::string id, std::string parent_id);

struct Relation {
    std::string_view kind;
    std::string_view parent;
    bool in_path;  // the parent a path checks this kind against
    Check check;
};

// The ownership relations, each written once.
const std::array<Relation, 10>& relations() {
    static const std::array<Relation, 10> r = {{
        {"project", "team", true, [](db::Database& d, std::string id, std::string p) -> asio::awaitable<bool> {
             co_return co_await store::ProjectStore(d).exists_in_team(std::move(id), std::move(p));
         }},
        {"cluster", "team", true, [](db::Database& d, std::string id, std::string p) -> asio::awaitable<bool> {
             co_return co_await store::ClusterStore(d).exists_in_team(std::move(id), std::move(p));
         }},
        {"app", "project", true, [](db::Database& d, std::string id, std::string p) -> asio::awaitable<bool> {
             co_return co_await store::AppStore(d).exists_in_project(std::move(id), std::move(p));
         }},
        {"app", "team", false, [](db::Database& d, std::string id, std::string p) -> asio::awaitable<bool> {
             co_return co_await store::AppStore(d).exists_in_team(std::move(id), std::move(p));
         }},
        {"service", "project", true, [](db::Database& d, std::string id, std::string p) -> asio::awaitable<bool> {
             co_return co_await store::ServiceStore(d).exists_in_project(std::move(id), std::move(p));
         }},
        {"build", "app", true, [](db::Database& d, std::string id, std::string p) -> asio::awaitable<bool> {
             co_return co_await store::BuildStore(d).exists_in_app(std::move(id), std::move(p));
         }},
        {"build", "team", false, [](db::Database& d, std::string id, std::string p) -> asio::awaitable<bool> {
             co_return co_await store::BuildStore(d).exists_in_team(std::move(id), std::move(p));
         }},
        {"member", "team", true, [](db::Database& d, std::string id, std::string p) -> asio::awaitable<bool> {
             co_return co_await store::MemberStore(d).exists(std::move(p), std::move(id));
         }},
        {"token", "@user", true, [](db::Database& d, std::string id, std::string p) -> asio::awaitable<bool> {
             co_return co_await store::TokenStore(d).exists(std::move(id), std::move(p));
         }},
        {"user", "", true, [](db::Database& d, std::string id, std::string) -> asio::awaitable<bool> {
             co_return co_await store::UserStore(d).exists(std::move(id));
         }},
    }};
    return r;
}

}  // namespace

const char* path_parent(std::string_view kind) {
    for (const auto& r : relations())
        if (r.in_path && r.kind == kind) return r.parent.data();
    return nullptr;
}

asio::awaitable<bool> owned_by(ServerState& state, std::string kind, std::string id, std::string parent_kind,
                               std::string parent_id) {
    const Relation* relation = nullptr;
    for (const auto& r : relations())
        if (r.kind == kind && r.parent == parent_kind) relation = &r;
    if (!relation) co_return false;
    auto now = crypto::now_ms();
    // One cache key per relation: "app/<id>/<project id>", "app@team/<id>/<team id>".
    std::string key = kind;
    if (!relation->in_path) key.append("@").append(parent_kind);
    key.append("/").append(id);
    if (!parent_kind.empty()) key.append("/").append(parent_id);
    if (state.auth_cache.exists(key, now)) co_return true;
    auto ticket = state.auth_cache.ticket();
    bool owned = co_await relation->check(*state.db, std::move(id), std::move(parent_id));
    if (!owned) co_return false;
    state.auth_cache.put_exists(key, ticket, now);
    co_return true;
}

}  // namespace sb::server
