#include "server/auth/auth_cache.hpp"

#include <algorithm>

namespace sb::server {

AuthCache::AuthCache(std::chrono::milliseconds ttl, std::size_t max_entries_per_group)
    : ttl_ms_(ttl.count()), max_entries_(max_entries_per_group) {
    // The tables whose rows (or whose deletion, through ON DELETE CASCADE)
    // decide each group's answers.
    tokens_.tables = {"api_tokens", "users"};
    sessions_.tables = {"sessions", "users"};
    roles_.tables = {"memberships", "teams", "users"};
    existence_.tables = {"teams", "projects", "clusters", "apps", "services", "builds", "memberships", "api_tokens", "users"};
    // Existence answers hang on ids and parent ids, which no UPDATE changes:
    // only a removal makes one wrong. Otherwise every heartbeat and status
    // report of a cluster (UPDATE clusters/builds/apps) would empty the group.
    existence_.updates_matter = false;
}

AuthCache::Ticket AuthCache::ticket() const {
    std::lock_guard lock(mutex_);
    return clock_;
}

template <typename Value>
std::optional<Value> AuthCache::find(Group<Value>& group, const std::string& key, std::int64_t now_ms) {
    std::lock_guard lock(mutex_);
    auto it = group.entries.find(key);
    if (it == group.entries.end()) return std::nullopt;
    if (now_ms - it->second.cached_at >= ttl_ms_ || now_ms < it->second.cached_at) {
        group.entries.erase(it);
        return std::nullopt;
    }
    return it->second.value;
}

template <typename Value>
void AuthCache::put(Group<Value>& group, const std::string& key, Value value, Ticket ticket, std::int64_t now_ms) {
    std::lock_guard lock(mutex_);
    if (ticket <= group.invalidated_at) return;
    if (group.entries.size() >= max_entries_) group.entries.clear();
    group.entries.insert_or_assign(key, typename Group<Value>::Entry{std::move(value), now_ms});
}

template <typename Value>
void AuthCache::invalidate(Group<Value>& group, const db::TableWrite& write) {
    if (write.kind == db::TableWrite::Kind::insert) return;  // only found rows are cached: an insert cannot make one wrong
    if (write.kind == db::TableWrite::Kind::update && !group.updates_matter) return;
    bool affected = write.table == "*" || std::find(group.tables.begin(), group.tables.end(), write.table) != group.tables.end();
    if (!affected) return;
    group.entries.clear();
    group.invalidated_at = clock_;
}

void AuthCache::invalidate(const std::vector<db::TableWrite>& writes) {
    std::lock_guard lock(mutex_);
    for (const auto& write : writes) {
        invalidate(tokens_, write);
        invalidate(sessions_, write);
        invalidate(roles_, write);
        invalidate(existence_, write);
    }
    ++clock_;
}

std::optional<AuthCache::Token> AuthCache::token(const std::string& token_hash, std::int64_t now_ms) {
    return find(tokens_, token_hash, now_ms);
}
void AuthCache::put_token(const std::string& token_hash, Token token, Ticket ticket, std::int64_t now_ms) {
    put(tokens_, token_hash, std::move(token), ticket, now_ms);
}

std::optional<AuthCache::Session> AuthCache::session(const std::string& token_hash, std::int64_t now_ms) {
    return find(sessions_, token_hash, now_ms);
}
void AuthCache::put_session(const std::string& token_hash, Session session, Ticket ticket, std::int64_t now_ms) {
    put(sessions_, token_hash, std::move(session), ticket, now_ms);
}

std::optional<std::string> AuthCache::role(const std::string& team_id, const std::string& user_id, std::int64_t now_ms) {
    return find(roles_, team_id + '/' + user_id, now_ms);
}
void AuthCache::put_role(const std::string& team_id, const std::string& user_id, std::string role, Ticket ticket,
                         std::int64_t now_ms) {
    put(roles_, team_id + '/' + user_id, std::move(role), ticket, now_ms);
}

bool AuthCache::exists(const std::string& key, std::int64_t now_ms) { return find(existence_, key, now_ms).has_value(); }
void AuthCache::put_exists(const std::string& key, Ticket ticket, std::int64_t now_ms) {
    put(existence_, key, true, ticket, now_ms);
}

}  // namespace sb::server
