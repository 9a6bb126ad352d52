// The SQLite connection's statement handling.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "server/db/sqlite_connection.hpp"

namespace sb::server {
namespace {

// A database file in a fresh directory, with a writer connection and a table.
struct SqliteFile {
    std::filesystem::path dir = std::filesystem::temp_directory_path() / ("sb-sqlite-unit-" + std::to_string(::getpid()));
    std::string path = (dir / "test.db").string();
    SqliteFile() {
        std::filesystem::remove_all(dir);
        std::filesystem::create_directories(dir);
    }
    ~SqliteFile() { std::filesystem::remove_all(dir); }
};

TEST(SqliteConnection, ReaderRunsReadsAndRunsNoWrite) {
    SqliteFile file;
    db::SqliteConnection writer(file.path, db::SqliteConnection::Mode::writer, 1000);
    writer.run("CREATE TABLE t (name TEXT PRIMARY KEY)", {});
    writer.run("INSERT INTO t (name) VALUES ($1)", db::params("a"));
    db::SqliteConnection reader(file.path, db::SqliteConnection::Mode::reader, 1000);
    for (int i = 0; i < 3; ++i) {  // first run, first cached run, cached run
        EXPECT_FALSE(reader.run_if_reads_only("INSERT INTO t (name) VALUES ($1)", db::params("b" + std::to_string(i))));
        auto read = reader.run_if_reads_only("SELECT name FROM t WHERE name = $1", db::params("a"));
        ASSERT_TRUE(read);
        EXPECT_EQ(read->one().str(0), "a");
    }
    EXPECT_EQ(writer.run("SELECT COUNT(*) FROM t", {}).one().i64(0), 1);
}

TEST(SqliteConnection, StatementRunsAgainAfterFailingWhetherKeptOrNot) {
    SqliteFile file;
    db::SqliteConnection writer(file.path, db::SqliteConnection::Mode::writer, 1000);
    writer.run("CREATE TABLE t (name TEXT PRIMARY KEY)", {});
    const char* insert = "INSERT INTO t (name) VALUES ($1)";
    for (const char* name : {"a", "b", "c"}) {
        EXPECT_EQ(writer.run(insert, db::params(std::string(name))).affected, 1);
        try {
            writer.run(insert, db::params(std::string(name)));
            ADD_FAILURE() << "a second " << name << " was inserted";
        } catch (const db::Error& e) {
            EXPECT_EQ(e.kind(), db::Error::Kind::unique_violation);
        }
    }
    auto all = writer.run("SELECT name FROM t ORDER BY name", {});
    ASSERT_EQ(all.rows.size(), 3u);
    EXPECT_EQ(all.rows[2].str(0), "c");
}

}  // namespace
}  // namespace sb::server
