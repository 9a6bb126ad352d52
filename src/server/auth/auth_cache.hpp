#pragma once
// In-memory caches for the lookups every request makes before its handler
// runs: API token and session by hash, team role by (team, user), and
// "object X exists inside parent Y" for path parameters. Only found rows are
// cached. A group is emptied after any committed write that may change its
// rows (see db::Database::observe_writes), so a revoked token, a deleted
// session or a changed role takes effect for the very next request. Entries
// also expire after `ttl`, which bounds staleness when another process (a
// second server on the same PostgreSQL) makes the change. Thread-safe.
#include <chrono>
#include <cstdint>
#include <initializer_list>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "server/db/sql.hpp"

namespace sb::server {

class AuthCache {
public:
    struct Identity {
        std::string user_id;
        std::string email;
        bool is_admin = false;
    };
    struct Token {
        std::string token_id;
        Identity user;
        std::optional<std::int64_t> expires_at;    // ms since the epoch
        std::optional<std::int64_t> last_used_at;  // ms since the epoch
    };
    struct Session {
        Identity user;
        std::string csrf_token;
        std::int64_t expires_at = 0;
    };
    // Taken before reading the database; a put with a ticket older than the
    // group's last invalidation is dropped (the row read may already be stale).
    using Ticket = std::uint64_t;

    explicit AuthCache(std::chrono::milliseconds ttl = std::chrono::seconds(5), std::size_t max_entries_per_group = 10000);

    Ticket ticket() const;

    std::optional<Token> token(const std::string& token_hash, std::int64_t now_ms);
    void put_token(const std::string& token_hash, Token token, Ticket ticket, std::int64_t now_ms);

    std::optional<Session> session(const std::string& token_hash, std::int64_t now_ms);
    void put_session(const std::string& token_hash, Session session, Ticket ticket, std::int64_t now_ms);

    // The caller's role name in a team.
    std::optional<std::string> role(const std::string& team_id, const std::string& user_id, std::int64_t now_ms);
    void put_role(const std::string& team_id, const std::string& user_id, std::string role, Ticket ticket, std::int64_t now_ms);

    // `key` names the object and its parent, e.g. "app/<id>/<project id>".
    bool exists(const std::string& key, std::int64_t now_ms);
    void put_exists(const std::string& key, Ticket ticket, std::int64_t now_ms);

    // Empties every group whose rows the writes may have changed.
    void invalidate(const std::vector<db::TableWrite>& writes);

private:
    template <typename Value>
    struct Group {
        struct Entry {
            Value value;
            std::int64_t cached_at;
        };
        std::vector<std::string> tables;  // a change to any of these empties the group
        bool updates_matter = true;        // false: only removals (and unknown changes) do
        std::unordered_map<std::string, Entry> entries;
        Ticket invalidated_at = 0;
    };
    template <typename Value>
    std::optional<Value> find(Group<Value>& group, const std::string& key, std::int64_t now_ms);
    template <typename Value>
    void put(Group<Value>& group, const std::string& key, Value value, Ticket ticket, std::int64_t now_ms);
    template <typename Value>
    void invalidate(Group<Value>& group, const db::TableWrite& write);

    std::int64_t ttl_ms_;
    std::size_t max_entries_;
    mutable std::mutex mutex_;
    Ticket clock_ = 1;  // advanced by every invalidation
    Group<Token> tokens_;
    Group<Session> sessions_;
    Group<std::string> roles_;
    Group<bool> existence_;
};

}  // namespace sb::server
