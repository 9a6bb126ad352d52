// Service credentials on request through the whole stack: a service's
// connection details read by the real operator from the Secret it wrote,
// through the server, by the API and by the real `sb services credentials`.
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

#include "common/base64.hpp"
#include "kube/resource.hpp"
#include "tests/cli/sb_runner.hpp"
#include "tests/stack/stack_test.hpp"

namespace sb::stacktest {
namespace {

namespace json = boost::json;

class StackCredentials : public StackTest {};

TEST_F(StackCredentials, AServicesConnectionDetailsComeFromItsClusterOnRequest) {
    auto project = expect_json(api().post(team_path() + "/projects", json::object{{"name", "data"}, {"clusterId", stack_->cluster_id()}}),
                               201, "project");
    const std::string project_path = team_path() + "/projects/" + std::string(project.at("id").as_string());
    auto service = expect_json(api().post(project_path + "/services", json::object{{"name", "db"}, {"type", "postgresql"}}), 201, "service");
    const std::string path = project_path + "/services/" + std::string(service.at("id").as_string()) + "/credentials";
    auto secret = in_cluster(kube::resources::secrets, "data", "db-connection");
    ASSERT_TRUE(secret) << "the operator never wrote the connection Secret" << stack_->logs();
    const auto& data = secret->at("data").as_object();
    const auto password = base64_decode(data.at("PASSWORD").as_string());

    auto read = api().get(path);
    ASSERT_EQ(read.status, 200) << read.body << stack_->logs();
    EXPECT_EQ(read.header("cache-control"), "no-store");
    auto details = read.json();
    EXPECT_EQ(details.at("password").as_string(), password);
    EXPECT_EQ(details.at("host").as_string(), base64_decode(data.at("HOST").as_string()));
    EXPECT_EQ(details.at("port").as_string(), "5432");
    EXPECT_EQ(details.at("url").as_string(), base64_decode(data.at("DATABASE_URL").as_string()));

    // The real sb, as CI would run it (SB_SERVER, SB_TOKEN).
    cli::testing::SbRun run{{"services", "credentials", "db", "--team", "default", "-p", "data", "-o", "json"},
                            {{"SB_SERVER", "http://127.0.0.1:" + std::to_string(stack_->server_port())},
                             {"SB_TOKEN", api().bearer},
                             {"XDG_CONFIG_HOME", "/nonexistent"}},
                            {},
                            {}};
    auto shown = cli::testing::run_sb(SB_TEST_BINARY, run);
    ASSERT_EQ(shown.code, 0) << shown.err;
    EXPECT_EQ(json::parse(shown.out).at("password").as_string(), password);
    run.args = {"services", "credentials", "db", "--team", "default", "-p", "data"};
    auto table = cli::testing::run_sb(SB_TEST_BINARY, run);
    ASSERT_EQ(table.code, 0) << table.err;
    EXPECT_NE(table.out.find("Password"), std::string::npos) << table.out;
    EXPECT_NE(table.out.find(password), std::string::npos) << table.out;

    // Nothing of it in the server's or the operator's log.
    EXPECT_EQ(stack_->logs().find(password), std::string::npos) << "a credential in a log";
}

}  // namespace
}  // namespace sb::stacktest
