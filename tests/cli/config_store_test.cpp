#include "cli/config_store.hpp"

#include <sys/stat.h>

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>

#include "cli/cli_error.hpp"
#include "tests/support/scratch.hpp"

namespace sb::cli {
namespace {

mode_t mode_of(const std::filesystem::path& p) {
    struct stat st{};
    EXPECT_EQ(::stat(p.c_str(), &st), 0);
    return st.st_mode & 07777;
}

TEST(ConfigStore, AMissingFileIsAnEmptyConfig) {
    testenv::ScratchDir dir("cli-config");
    auto config = ConfigStore(dir / "shapeblock" / "config.yaml").load();
    EXPECT_TRUE(config.contexts.empty());
    EXPECT_EQ(config.current, "");
}

TEST(ConfigStore, SavesWithOwnerOnlyPermissionsAndReadsBack) {
    testenv::ScratchDir dir("cli-config");
    auto path = dir / "shapeblock" / "config.yaml";
    ConfigStore store(path);
    Config config;
    config.upsert({"local", "http://127.0.0.1:8080", "sbp_secret", "tok1", "me@example.com", "default", "shop", "", false});
    config.upsert({"prod", "https://sb.example.com", "sbp_other", "", "", "", "", "/etc/ca.pem", true});
    config.current = "prod";
    store.save(config);
    EXPECT_EQ(mode_of(path), 0600u);
    EXPECT_EQ(mode_of(path.parent_path()), 0700u);
    auto back = store.load();
    ASSERT_EQ(back.contexts.size(), 2u);
    EXPECT_EQ(back.current, "prod");
    const auto* local = back.find("local");
    ASSERT_NE(local, nullptr);
    EXPECT_EQ(local->server, "http://127.0.0.1:8080");
    EXPECT_EQ(local->token, "sbp_secret");
    EXPECT_EQ(local->token_id, "tok1");
    EXPECT_EQ(local->team, "default");
    EXPECT_EQ(local->project, "shop");
    const auto* prod = back.find("prod");
    ASSERT_NE(prod, nullptr);
    EXPECT_EQ(prod->ca_file, "/etc/ca.pem");
    EXPECT_TRUE(prod->insecure);
}

TEST(ConfigStore, TightensAnExistingFilesPermissions) {
    testenv::ScratchDir dir("cli-config");
    auto path = dir / "shapeblock" / "config.yaml";
    std::filesystem::create_directories(path.parent_path());
    testenv::write_file(path, "current-context: ''\n");
    ::chmod(path.c_str(), 0644);
    ::chmod(path.parent_path().c_str(), 0755);
    ConfigStore store(path);
    store.save(store.load());
    EXPECT_EQ(mode_of(path), 0600u);
    EXPECT_EQ(mode_of(path.parent_path()), 0700u);
}

TEST(ConfigStore, UpsertReplacesAndRemoveForgetsTheCurrent) {
    Config config;
    config.upsert({"a", "http://one", "t1"});
    config.upsert({"a", "http://two", "t2"});
    ASSERT_EQ(config.contexts.size(), 1u);
    EXPECT_EQ(config.contexts[0].server, "http://two");
    config.current = "a";
    EXPECT_TRUE(config.remove("a"));
    EXPECT_EQ(config.current, "");
    EXPECT_FALSE(config.remove("a"));
}

TEST(ConfigStore, ABrokenFileIsNamedInTheError) {
    testenv::ScratchDir dir("cli-config");
    auto path = dir / "config.yaml";
    testenv::write_file(path, "contexts: [\n  - name: x\n");
    try {
        ConfigStore(path).load();
        FAIL() << "loaded a broken file";
    } catch (const CliError& e) {
        EXPECT_NE(std::string(e.what()).find(path.string()), std::string::npos) << e.what();
    }
}

TEST(ConfigPath, FollowsXdgConfigHome) {
    ::setenv("XDG_CONFIG_HOME", "/tmp/xdg-test", 1);
    EXPECT_EQ(default_config_path(), std::filesystem::path("/tmp/xdg-test/shapeblock/config.yaml"));
    ::unsetenv("XDG_CONFIG_HOME");
    ::setenv("HOME", "/home/someone", 1);
    EXPECT_EQ(default_config_path(), std::filesystem::path("/home/someone/.config/shapeblock/config.yaml"));
}

}  // namespace
}  // namespace sb::cli
