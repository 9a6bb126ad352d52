#include "operator/agent/app_secret_writer.hpp"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

#include "common/base64.hpp"
#include "common/json_fields.hpp"
#include "operator/common/crd_types.hpp"

namespace sb::op::agent {
namespace {

namespace json = boost::json;

TEST(AppSecretObject, IsTheAppsLabelledSecretWithBase64Data) {
    auto o = app_secret_object({"shop", "web", "env", {{"DATABASE_URL", "postgres://db"}, {"EMPTY", ""}}}, nullptr);
    EXPECT_EQ(get_string(o, "apiVersion"), "v1");
    EXPECT_EQ(get_string(o, "kind"), "Secret");
    EXPECT_EQ(get_string(o, "metadata.name"), "web-env");
    EXPECT_EQ(get_string(o, "metadata.namespace"), "shop");
    EXPECT_EQ(get_string(o, "type"), "Opaque");
    EXPECT_EQ(label_value(o, "app.kubernetes.io/managed-by"), "shapeblock");
    EXPECT_EQ(label_value(o, "shapeblock.io/app"), "web");
    EXPECT_EQ(base64_decode(get_string(o, "data.DATABASE_URL")), "postgres://db");
    EXPECT_EQ(get_string(o, "data.EMPTY"), "");
    EXPECT_FALSE(o.at("metadata").as_object().contains("ownerReferences")) << "no App yet: no owner";
}

TEST(AppSecretObject, IsOwnedByItsAppAndARegistryLoginIsADockerConfig) {
    auto app = json::parse(R"({"apiVersion":"apps.shapeblock.io/v1alpha1","kind":"App",
                              "metadata":{"name":"web","namespace":"shop","uid":"u-1"}})").as_object();
    auto o = app_secret_object({"shop", "web", "registry", {{".dockerconfigjson", R"({"auths":{}})"}}}, &app);
    EXPECT_EQ(get_string(o, "metadata.name"), "web-registry");
    EXPECT_EQ(get_string(o, "type"), "kubernetes.io/dockerconfigjson");
    const auto& owners = o.at("metadata").at("ownerReferences").as_array();
    ASSERT_EQ(owners.size(), 1u);
    EXPECT_EQ(get_string(owners[0].as_object(), "kind"), "App");
    EXPECT_EQ(get_string(owners[0].as_object(), "uid"), "u-1");
    EXPECT_EQ(get_string(owners[0].as_object(), "apiVersion"), "apps.shapeblock.io/v1alpha1");
    EXPECT_EQ(get_string(app_secret_object({"shop", "web", "git", {{"token", "t"}}}, &app), "metadata.name"), "web-git");
}

}  // namespace
}  // namespace sb::op::agent
