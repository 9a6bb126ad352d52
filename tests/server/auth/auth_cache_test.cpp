// The authentication cache and the write classification that empties it.
#include <gtest/gtest.h>

#include "server/auth/auth_cache.hpp"
#include "server/db/sql.hpp"

namespace sb::server {
namespace {

using Kind = db::TableWrite::Kind;

TEST(ClassifyWrite, ReadsAndTransactionControlChangeNothing) {
    EXPECT_FALSE(db::classify_write("SELECT 1 FROM apps"));
    EXPECT_FALSE(db::classify_write("  select id from users"));
    EXPECT_FALSE(db::classify_write("BEGIN IMMEDIATE"));
    EXPECT_FALSE(db::classify_write("SAVEPOINT sb_job"));
    EXPECT_FALSE(db::classify_write("COMMIT"));
}

TEST(ClassifyWrite, NamesTheTableAndWhetherRowsMayChange) {
    auto insert = db::classify_write("INSERT INTO builds (id) VALUES ($1)");
    ASSERT_TRUE(insert);
    EXPECT_EQ(insert->kind, Kind::insert);
    EXPECT_EQ(insert->table, "builds");
    auto update = db::classify_write("UPDATE api_tokens SET last_used_at = $1 WHERE id = $2");
    ASSERT_TRUE(update);
    EXPECT_EQ(update->kind, Kind::update);
    EXPECT_EQ(update->table, "api_tokens");
    auto remove = db::classify_write("delete from Sessions where token_hash = $1");
    ASSERT_TRUE(remove);
    EXPECT_EQ(remove->kind, Kind::remove);
    EXPECT_EQ(remove->table, "sessions");
    auto upsert = db::classify_write("INSERT INTO settings (name, value) VALUES ($1, $2) ON CONFLICT (name) DO UPDATE SET value = $2");
    ASSERT_TRUE(upsert);
    EXPECT_EQ(upsert->kind, Kind::change);
    auto ddl = db::classify_write("CREATE TABLE t (id TEXT)");
    ASSERT_TRUE(ddl);
    EXPECT_EQ(ddl->table, "*");
}

AuthCache::Token token(std::string user) { return {"t1", {std::move(user), "a@example.test", false}, std::nullopt, 1000}; }

TEST(AuthCache, ServesWhatWasPutUntilTheTtl) {
    AuthCache cache(std::chrono::milliseconds(100));
    cache.put_token("h", token("u1"), cache.ticket(), 1000);
    ASSERT_TRUE(cache.token("h", 1050));
    EXPECT_EQ(cache.token("h", 1050)->user.user_id, "u1");
    EXPECT_FALSE(cache.token("h", 1100));
    EXPECT_FALSE(cache.token("other", 1000));
}

TEST(AuthCache, ChangesToATableEmptyTheGroupsThatDependOnIt) {
    AuthCache cache;
    auto t = cache.ticket();
    cache.put_token("h", token("u1"), t, 1000);
    cache.put_session("s", {{"u1", "a@example.test", false}, "csrf", 99999}, t, 1000);
    cache.put_role("team", "u1", "owner", t, 1000);
    cache.put_exists("app/a1/p1", t, 1000);

    cache.invalidate({{Kind::insert, "api_tokens"}, {Kind::update, "builds"}, {Kind::update, "clusters"}});
    EXPECT_TRUE(cache.token("h", 1001));  // an insert cannot make a found row wrong
    EXPECT_TRUE(cache.role("team", "u1", 1001));
    EXPECT_TRUE(cache.exists("app/a1/p1", 1001));  // no UPDATE changes an id or a parent id

    cache.invalidate({{Kind::remove, "builds"}});
    EXPECT_FALSE(cache.exists("app/a1/p1", 1001));  // existence is read again after a removal from a table it reads

    cache.invalidate({{Kind::update, "api_tokens"}});  // a revoked token
    EXPECT_FALSE(cache.token("h", 1001));
    EXPECT_TRUE(cache.session("s", 1001));

    cache.invalidate({{Kind::change, "memberships"}});
    EXPECT_FALSE(cache.role("team", "u1", 1001));

    cache.invalidate({{Kind::remove, "users"}});  // a deleted user takes its sessions along
    EXPECT_FALSE(cache.session("s", 1001));
}

TEST(AuthCache, DropsARowReadBeforeAnInvalidation) {
    AuthCache cache;
    auto before = cache.ticket();
    cache.invalidate({{Kind::change, "api_tokens"}});  // committed while the row was being read
    cache.put_token("h", token("u1"), before, 1000);
    EXPECT_FALSE(cache.token("h", 1000));
    cache.put_token("h", token("u1"), cache.ticket(), 1000);
    EXPECT_TRUE(cache.token("h", 1000));
}

TEST(AuthCache, UnknownWritesEmptyEverything) {
    AuthCache cache;
    cache.put_role("team", "u1", "viewer", cache.ticket(), 1000);
    cache.invalidate({{Kind::change, "*"}});
    EXPECT_FALSE(cache.role("team", "u1", 1000));
}

}  // namespace
}  // namespace sb::server
