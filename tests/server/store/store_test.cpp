// The stores on SQLite and on a real PostgreSQL: what they write reads back
// with the same named fields, lists page by id, and a stale version refuses
// an update.
#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>

#include "server/db/migrations.hpp"
#include "server/store/app_store.hpp"
#include "server/store/build_store.hpp"
#include "server/store/member_store.hpp"
#include "server/store/project_store.hpp"
#include "server/store/setting_store.hpp"
#include "server/store/team_store.hpp"
#include "server/store/user_store.hpp"
#include "tests/server/server_fixture.hpp"

namespace sb::server::store {
namespace {

using testing::Backend;
namespace asio = boost::asio;

class StoreTest : public ::testing::TestWithParam<Backend> {
  protected:
    // Runs `body` against a fresh, migrated database of the backend.
    void run(std::function<asio::awaitable<void>(db::Database&)> body) {
        testing::Storage storage(GetParam());
        asio::io_context io;
        std::exception_ptr failure;
        asio::co_spawn(
            io,
            [&]() -> asio::awaitable<void> {
                auto database =
                    db::open(io.get_executor(), {storage.database_url, storage.data_dir, 2, 5000});
                co_await db::migrate(*database);
                co_await body(*database);
            },
            [&](std::exception_ptr e) { failure = e; });
        io.run();
        if (failure) std::rethrow_exception(failure);
    }
};

TEST_P(StoreTest, UsersTeamsAndMembersReadBackByName) {
    run([](db::Database& d) -> asio::awaitable<void> {
        UserStore users(d);
        User ada{"u1", "ada@example.test", "Ada", true, 1000};
        co_await users.insert(ada, "hash-1");
        auto found = co_await users.find("u1");
        EXPECT_TRUE(found && found->email == "ada@example.test" && found->name == "Ada" &&
                    found->is_admin && found->created_at == 1000);
        auto with_password = co_await users.find_by_email_with_password("ada@example.test");
        EXPECT_TRUE(with_password && with_password->password_hash == "hash-1" &&
                    with_password->user.id == "u1");
        auto r1 = co_await users.count();
        EXPECT_EQ(r1, 1);
        auto r2 = co_await users.find("nobody");
        EXPECT_FALSE(r2);

        TeamStore teams(d);
        co_await teams.insert("t1", "default", "Default", 2000);
        MemberStore members(d);
        co_await members.insert("t1", "u1", "owner", 2000);
        auto r3 = co_await members.role("t1", "u1");
        EXPECT_EQ(r3, std::optional<std::string>("owner"));
        auto r4 = co_await members.owner_ids("t1");
        EXPECT_EQ(r4, std::vector<std::string>{"u1"});
        PageQuery page{"", 10};
        auto mine = co_await teams.list_for_user("u1", page);
        EXPECT_EQ(mine.size(), 1u);
        if (!mine.empty()) {
            EXPECT_TRUE(mine[0].team.display_name == "Default" && mine[0].role == "owner" &&
                        mine[0].team.version == 1);
        }
        auto r5 = co_await teams.update_display_name("t1", "Stale", 3000, 7);
        EXPECT_FALSE(r5);
        auto r6 = co_await teams.update_display_name("t1", "Renamed", 3000, 1);
        EXPECT_TRUE(r6);
        auto team = co_await teams.find("t1");
        EXPECT_TRUE(team && team->display_name == "Renamed" && team->version == 2 &&
                    team->updated_at == 3000);
    });
}

TEST_P(StoreTest, ProjectsAppsAndBuildsKeepTheirParents) {
    run([](db::Database& d) -> asio::awaitable<void> {
        co_await TeamStore(d).insert("t1", "default", "Default", 1);
        Project project{"p1", "web", "Web", "the site", std::nullopt, 10, 10, 1};
        co_await ProjectStore(d).insert("t1", project);
        auto r7 = co_await ProjectStore(d).exists_in_team("p1", "t1");
        EXPECT_TRUE(r7);
        auto r8 = co_await ProjectStore(d).exists_in_team("p1", "other");
        EXPECT_FALSE(r8);
        auto stored = co_await ProjectStore(d).find("p1");
        EXPECT_TRUE(stored && !stored->cluster_id && stored->description == "the site");

        AppStore apps(d);
        std::vector<std::string> ids{"a1", "a2", "a3"};
        for (const auto& id : ids)
            co_await apps.insert(id, "t1", "p1", "app-" + id, "{}", "sealed", 20);
        PageQuery first{"", 2};
        auto page = co_await apps.list("p1", first, "");
        EXPECT_EQ(page.size(), 2u);
        if (page.size() == 2) {
            EXPECT_EQ(page[1].id, "a2");
        }
        PageQuery next{"a2", 2};
        auto rest = co_await apps.list("p1", next, "");
        EXPECT_EQ(rest.size(), 1u);
        auto filtered = co_await apps.list("p1", first, "app-a3");
        EXPECT_EQ(filtered.size(), 1u);
        auto r9 = co_await apps.exists_in_project("a1", "p1");
        EXPECT_TRUE(r9);
        auto r10 = co_await apps.exists_in_team("a1", "t1");
        EXPECT_TRUE(r10);
        co_await apps.set_status("a1", "Deployed", "ok");
        auto app = co_await apps.find("a1");
        EXPECT_TRUE(app && app->phase == "Deployed" && app->message == "ok" &&
                    app->secrets == "sealed");

        BuildStore builds(d);
        Build build{"b1",        "a1", "HEAD",       "b1",         "Pending", "",
                    "builds/b1", 30,   std::nullopt, std::nullopt, 1};
        co_await builds.insert("t1", "p1", build);
        auto found = co_await builds.find("b1");
        EXPECT_TRUE(found && found->status == "Pending" && !found->started_at &&
                    found->logs_ref == "builds/b1");
        if (found) {
            Build done = *found;
            done.status = "Completed";
            done.started_at = 40;
            done.finished_at = 50;
            auto r11 = co_await builds.update_status(done);
            EXPECT_TRUE(r11);
            auto r12 = co_await builds.update_status(done);
            EXPECT_FALSE(r12);  // version 1 is no longer current
        }
        auto finished = co_await builds.find("b1");
        EXPECT_TRUE(finished && finished->finished_at == std::optional<std::int64_t>(50) &&
                    finished->version == 2);
        auto r13 = co_await builds.exists_in_app("b1", "a1");
        EXPECT_TRUE(r13);
        auto r14 = co_await builds.exists_in_team("b1", "other");
        EXPECT_FALSE(r14);
    });
}

TEST_P(StoreTest, SettingsReplaceAndKeep) {
    run([](db::Database& d) -> asio::awaitable<void> {
        SettingStore settings(d);
        auto r15 = co_await settings.get("licence");
        EXPECT_FALSE(r15);
        co_await settings.put("licence", "one");
        co_await settings.put("licence", "two");
        co_await settings.put_if_absent("licence", "three");
        auto r16 = co_await settings.get("licence");
        EXPECT_EQ(r16, std::optional<std::string>("two"));
    });
}

INSTANTIATE_TEST_SUITE_P(Backends, StoreTest, ::testing::Values(Backend::sqlite, Backend::postgres),
                         [](const auto& info) { return testing::backend_name(info.param); });

}  // namespace
}  // namespace sb::server::store
