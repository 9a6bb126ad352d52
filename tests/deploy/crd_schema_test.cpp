// The ShapeBlock CRDs against a real kube-apiserver: the design's examples
// are accepted exactly as written (nothing pruned), bad objects are refused
// with the field named, and the CRDs are served with their printer columns,
// short names and status subresources.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <filesystem>
#include <map>
#include <set>

#include "tests/deploy/deploy_fixture.hpp"
#include "tests/deploy/json_match.hpp"

namespace sb::deploytest {
namespace {
namespace json = boost::json;

const char* kGroupVersion = "apps.shapeblock.io/v1alpha1";

json::value parse(const std::string& text) { return json::parse(text); }

json::value object_of(const std::string& kind, const std::string& name, const std::string& ns, const std::string& spec) {
    json::object metadata{{"name", name}};
    if (!ns.empty()) metadata["namespace"] = ns;
    return json::object{{"apiVersion", kGroupVersion}, {"kind", kind}, {"metadata", metadata}, {"spec", parse(spec)}};
}

class CrdSchema : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        api_with_crds().ensure_namespace("my-project");
        api_with_crds().ensure_namespace("schema-tests");
    }
    KubeApi& api() { return api_with_crds(); }
};

TEST(CrdFiles, OneCrdPerKindWithStatusSubresourceShortNamesAndCategory) {
    const std::map<std::string, std::pair<std::string, std::string>> expected{
        // file -> kind, scope
        {"apps.shapeblock.io_projects.yaml", {"Project", "Cluster"}},
        {"apps.shapeblock.io_apps.yaml", {"App", "Namespaced"}},
        {"apps.shapeblock.io_appbuilds.yaml", {"AppBuild", "Namespaced"}},
        {"apps.shapeblock.io_services.yaml", {"Service", "Namespaced"}},
    };
    std::set<std::string> files;
    for (const auto& entry : std::filesystem::directory_iterator(source_dir() / "deploy/crds"))
        files.insert(entry.path().filename().string());
    EXPECT_EQ(files.size(), expected.size());
    for (const auto& [file, kind_scope] : expected) {
        SCOPED_TRACE(file);
        auto docs = load_yaml_file(source_dir() / "deploy/crds" / file);
        ASSERT_EQ(docs.size(), 1u);
        const auto& spec = docs[0].at("spec");
        EXPECT_EQ(docs[0].at("apiVersion"), "apiextensions.k8s.io/v1");
        EXPECT_EQ(spec.at("group"), "apps.shapeblock.io");
        EXPECT_EQ(spec.at("names").at("kind"), json::value(kind_scope.first.c_str()));
        EXPECT_EQ(spec.at("scope"), json::value(kind_scope.second.c_str()));
        EXPECT_EQ(spec.at("names").at("categories"), parse(R"(["shapeblock"])"));
        EXPECT_FALSE(spec.at("names").at("shortNames").as_array().empty());
        const auto& versions = spec.at("versions").as_array();
        ASSERT_EQ(versions.size(), 1u);
        EXPECT_EQ(versions[0].at("name"), "v1alpha1");
        EXPECT_TRUE(versions[0].at("subresources").as_object().contains("status"));
    }
}

TEST_F(CrdSchema, ServedCrdsHavePrinterColumnsShortNamesAndCategories) {
    struct Expect {
        std::string plural;
        std::vector<std::pair<std::string, std::string>> columns;  // name, jsonPath (priority 0)
        std::string short_name;
    };
    const std::vector<Expect> expected{
        {"apps",
         {{"Phase", ".status.phase"}, {"Image", ".status.currentImage"}, {"URL", ".status.url"}, {"Ready", ".status.replicas"},
          {"Age", ".metadata.creationTimestamp"}},
         "sbapp"},
        {"appbuilds",
         {{"App", ".spec.appName"}, {"Phase", ".status.phase"}, {"Image", ".status.image"},
          {"Message", ".status.message"}, {"Age", ".metadata.creationTimestamp"}},
         "sbb"},
        {"projects",
         {{"Phase", ".status.phase"}, {"Namespace", ".status.namespace"}, {"Age", ".metadata.creationTimestamp"}},
         "sbproj"},
        {"services",
         {{"Type", ".spec.type"}, {"Version", ".spec.version"}, {"Phase", ".status.phase"},
          {"Secret", ".status.connectionSecretName"}, {"Age", ".metadata.creationTimestamp"}},
         "sbsvc"},
    };
    for (const auto& e : expected) {
        SCOPED_TRACE(e.plural);
        auto crd = api().get("/apis/apiextensions.k8s.io/v1/customresourcedefinitions/" + e.plural + ".apps.shapeblock.io");
        const auto& version = crd.at("spec").at("versions").as_array().at(0);
        std::vector<std::pair<std::string, std::string>> shown;
        for (const auto& column : version.at("additionalPrinterColumns").as_array()) {
            const auto* priority = column.as_object().if_contains("priority");
            if (priority && priority->to_number<int>() != 0) continue;
            shown.emplace_back(column.at("name").as_string(), column.at("jsonPath").as_string());
        }
        EXPECT_EQ(shown, e.columns);
        const auto& names = crd.at("status").at("acceptedNames");
        bool has_short_name = false;
        for (const auto& s : names.at("shortNames").as_array()) has_short_name |= s == json::value(e.short_name.c_str());
        EXPECT_TRUE(has_short_name) << json::serialize(names);
        EXPECT_EQ(names.at("categories"), parse(R"(["shapeblock"])"));
    }
    // kubectl scale works on apps.
    auto apps = api().get("/apis/apiextensions.k8s.io/v1/customresourcedefinitions/apps.apps.shapeblock.io");
    EXPECT_EQ(apps.at("spec").at("versions").as_array().at(0).at("subresources").at("scale").at("specReplicasPath"),
              ".spec.replicas");
}

// Creates an example and proves the stored spec holds every field as written.
void expect_accepted_as_written(KubeApi& api, const json::value& example) {
    const std::string name(example.at("metadata").at("name").as_string());
    SCOPED_TRACE(std::string(example.at("kind").as_string()) + " " + name);
    auto response = api.apply(example);
    ASSERT_TRUE(response.status == 201 || response.status == 200) << response.body;
    auto stored = api.get(KubeApi::object_path(example));
    std::string mismatch;
    EXPECT_TRUE(json_contains(stored.at("spec"), example.at("spec"), &mismatch)) << mismatch;
}

TEST_F(CrdSchema, DesignExamplesAreAcceptedExactlyAsWritten) {
    for (const char* file : {"project.yaml", "apps.yaml", "appbuild.yaml"}) {
        auto docs = load_yaml_file(examples_dir() / file);
        ASSERT_FALSE(docs.empty()) << file;
        for (const auto& example : docs) expect_accepted_as_written(api(), example);
    }
    EXPECT_EQ(load_yaml_file(examples_dir() / "apps.yaml").size(), 4u);
}

// examples/ also holds objects added after the design (a Service); the
// walk-through applies every file there, so each must be accepted as written.
TEST_F(CrdSchema, EveryRepositoryExampleIsAcceptedAsWritten) {
    std::size_t files = 0;
    for (const auto& entry : std::filesystem::directory_iterator(examples_dir())) {
        if (entry.path().extension() != ".yaml") continue;
        ++files;
        SCOPED_TRACE(entry.path().filename().string());
        auto docs = load_yaml_file(entry.path());
        ASSERT_FALSE(docs.empty());
        for (const auto& example : docs) expect_accepted_as_written(api(), example);
    }
    EXPECT_GE(files, 4u);
}

TEST_F(CrdSchema, AppBuildExampleStatusIsValidThroughTheStatusSubresource) {
    auto example = load_yaml_file(examples_dir() / "appbuild.yaml").at(0);
    auto body = example;
    body.as_object()["metadata"].as_object()["name"] = "status-example";
    ASSERT_EQ(api().create(body).status, 201);
    auto stored = api().get(KubeApi::object_path(body));
    // The status sent on create is ignored (status subresource).
    EXPECT_FALSE(stored.as_object().contains("status")) << json::serialize(stored);

    stored.as_object()["status"] = example.at("status");
    auto response = api().put_status(stored);
    ASSERT_EQ(response.status, 200) << response.body;
    std::string mismatch;
    EXPECT_TRUE(json_contains(json::parse(response.body).at("status"), example.at("status"), &mismatch)) << mismatch;

    auto bad = json::parse(response.body);
    bad.as_object()["status"].as_object()["phase"] = "Done";
    auto refused = api().put_status(bad);
    EXPECT_EQ(refused.status, 422);
    EXPECT_NE(refused.body.find("status.phase"), std::string::npos) << refused.body;
}

TEST_F(CrdSchema, DefaultsAreFilledIn) {
    ASSERT_EQ(api().create(object_of("App", "defaults", "schema-tests", R"({"git":{"url":"https://example.com/a.git"}})")).status, 201);
    auto app = api().get("/apis/apps.shapeblock.io/v1alpha1/namespaces/schema-tests/apps/defaults");
    EXPECT_EQ(app.at("spec").at("replicas"), json::value(1));
    EXPECT_EQ(app.at("spec").at("port"), json::value(8080));
    EXPECT_EQ(app.at("spec").at("git").at("isPrivate"), json::value(false));

    ASSERT_EQ(api().create(object_of("Project", "defaults", "", R"({"name":"defaults"})")).status, 201);
    auto project = api().get("/apis/apps.shapeblock.io/v1alpha1/projects/defaults");
    EXPECT_EQ(project.at("spec").at("networkPolicy").at("enabled"), json::value(true));
}

TEST_F(CrdSchema, UsefulVariantsAreAccepted) {
    struct Case {
        std::string kind, name, ns, spec;
    };
    const std::vector<Case> cases{
        {"App", "ssh-url", "schema-tests", R"({"git":{"url":"ssh://git@git.example.com:2222/team/app.git"}})"},
        {"App", "scp-url", "schema-tests", R"({"git":{"url":"git@github.com:team/app.git","isPrivate":true}})"},
        {"App", "local-http", "schema-tests", R"({"git":{"url":"http://10.0.0.5:3000/team/app.git"}})"},
        {"App", "full", "schema-tests", R"({
            "git":{"url":"https://example.com/a.git","branch":"release/1.x"},
            "registry":{"url":"localhost:5000/team","secretName":"reg"},
            "build":{"type":"dockerfile","builder":"buildah","dockerfile":"docker/Dockerfile.prod","contextPath":"services/api"},
            "port":3000,"replicas":0,
            "env":[{"name":"A","value":"1"},{"name":"DB_PASSWORD","valueFrom":{"secretKeyRef":{"name":"db","key":"password"}}}],
            "domains":["app.example.com","*.preview.example.com"],
            "services":["db","cache"],
            "resources":{"requests":{"cpu":"100m","memory":"128Mi"},"limits":{"cpu":1,"memory":"1Gi"}}})"},
        {"App", "image-digest", "schema-tests", R"({"git":{"url":"https://example.com/a.git"},
            "build":{"type":"image","image":"ghcr.io/team/app@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"}})"},
        {"AppBuild", "rollback", "schema-tests", R"({"appName":"full","image":"localhost:5000/team/full:v1"})"},
        {"AppBuild", "commit", "schema-tests", R"({"appName":"full","gitRef":"4f2c1a9","imageTag":"4f2c1a9"})"},
        // Built only from uploaded directories (sb push --path): no repository at all.
        {"App", "uploads-only", "schema-tests", R"({"build":{"type":"dockerfile"}})"},
        {"AppBuild", "upload", "schema-tests", R"({"appName":"uploads-only","imageTag":"b1",
            "source":{"kind":"upload","digest":"sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"}})"},
        {"Service", "db", "schema-tests", R"({"type":"postgres","version":"16.4","storage":{"size":"5Gi","storageClassName":"local-path"},
            "values":{"primary":{"resources":{"limits":{"memory":"512Mi"}}}}})"},
        {"Service", "minio", "schema-tests", R"({"type":"custom","chart":{"repo":"oci://ghcr.io/team/charts","name":"minio","version":"5.2.0"}})"},
        {"Project", "with-quota", "", R"({"name":"with-quota","quota":{"cpu":4,"memory":"8Gi","storage":"50Gi","pods":20},"networkPolicy":{"enabled":false}})"},
    };
    for (const auto& c : cases) {
        auto object = object_of(c.kind, c.name, c.ns, c.spec);
        expect_accepted_as_written(api(), object);
    }
}

struct InvalidCase {
    std::string description, kind, name, ns, spec, field;
};

TEST_F(CrdSchema, InvalidObjectsAreRefusedNamingTheField) {
    const std::string git = R"("git":{"url":"https://example.com/a.git"})";
    const std::vector<InvalidCase> cases{
        {"unknown build type", "App", "bad-type", "schema-tests", "{" + git + R"(,"build":{"type":"docker"}})", "spec.build.type"},
        {"App without git.url", "App", "no-url", "schema-tests", R"({"git":{"branch":"main"}})", "spec.git.url"},
        {"unknown AppBuild source kind", "AppBuild", "bad-source", "schema-tests", R"({"appName":"a","source":{"kind":"zip"}})", "spec.source.kind"},
        {"AppBuild source without kind", "AppBuild", "no-kind", "schema-tests", R"({"appName":"a","source":{"digest":"sha256:00"}})", "spec.source.kind"},
        {"bad upload digest", "AppBuild", "bad-digest", "schema-tests", R"({"appName":"a","source":{"kind":"upload","digest":"md5:abc"}})", "spec.source.digest"},
        {"App name not a DNS label", "App", "my.app", "schema-tests", "{" + git + "}", "metadata.name"},
        {"App name too long for a Helm release", "App", std::string(54, 'a'), "schema-tests", "{" + git + "}", "metadata.name"},
        {"bad image reference", "App", "bad-image", "schema-tests", "{" + git + R"(,"build":{"type":"image","image":"Not An Image!"}})", "spec.build.image"},
        {"bad builder image", "App", "bad-builder-image", "schema-tests", "{" + git + R"(,"build":{"type":"buildpack","builderImage":"UPPER/case"}})", "spec.build.builderImage"},
        {"image build without image", "App", "image-no-image", "schema-tests", "{" + git + R"(,"build":{"type":"image"}})", "spec.build"},
        {"unknown dockerfile builder", "App", "bad-builder", "schema-tests", "{" + git + R"(,"build":{"builder":"docker"}})", "spec.build.builder"},
        {"negative replicas", "App", "neg-replicas", "schema-tests", "{" + git + R"(,"replicas":-1})", "spec.replicas"},
        {"port out of range", "App", "bad-port", "schema-tests", "{" + git + R"(,"port":70000})", "spec.port"},
        {"credentials in the git URL", "App", "cred-url", "schema-tests", R"({"git":{"url":"https://user:token@example.com/a.git"}})", "spec.git.url"},
        {"unsupported git URL scheme", "App", "ftp-url", "schema-tests", R"({"git":{"url":"ftp://example.com/a.git"}})", "spec.git.url"},
        {"registry URL with a scheme", "App", "reg-scheme", "schema-tests", "{" + git + R"(,"registry":{"url":"https://registry.example.com"}})", "spec.registry.url"},
        {"duplicate env name", "App", "dup-env", "schema-tests", "{" + git + R"(,"env":[{"name":"A","value":"1"},{"name":"A","value":"2"}]})", "spec.env[1]"},
        {"bad env name", "App", "bad-env", "schema-tests", "{" + git + R"(,"env":[{"name":"1 A","value":"1"}]})", "spec.env.name"},
        {"bad domain", "App", "bad-domain", "schema-tests", "{" + git + R"(,"domains":["Bad_Domain.com"]})", "spec.domains"},
        {"bad memory quantity", "App", "bad-memory", "schema-tests", "{" + git + R"(,"resources":{"limits":{"memory":"lots"}}})", "spec.resources.limits.memory"},
        {"unknown Service type", "Service", "oracle", "schema-tests", R"({"type":"oracle"})", "spec.type"},
        {"Service without type", "Service", "no-type", "schema-tests", R"({"version":"16"})", "spec.type"},
        {"custom Service without chart", "Service", "custom-no-chart", "schema-tests", R"({"type":"custom"})", "spec.type"},
        {"bad Service storage size", "Service", "bad-size", "schema-tests", R"({"type":"redis","storage":{"size":"big"}})", "spec.storage.size"},
        {"bad chart repo", "Service", "bad-repo", "schema-tests", R"({"type":"custom","chart":{"name":"x","repo":"ftp://charts"}})", "spec.chart.repo"},
        {"AppBuild without appName", "AppBuild", "no-app", "schema-tests", R"({"gitRef":"main"})", "spec.appName"},
        {"bad image tag", "AppBuild", "bad-tag", "schema-tests", R"({"appName":"a","imageTag":"v1 0"})", "spec.imageTag"},
        {"bad build var key", "AppBuild", "bad-var", "schema-tests", R"({"appName":"a","buildVars":[{"key":"1 X","value":"y"}]})", "spec.buildVars.key"},
        {"bad git ref", "AppBuild", "bad-ref", "schema-tests", R"({"appName":"a","gitRef":"main branch"})", "spec.gitRef"},
        {"Project without spec.name", "Project", "no-name", "", R"({"displayName":"x"})", "spec.name"},
        {"Project name not a DNS label", "Project", "bad-spec-name", "", R"({"name":"My_Project"})", "spec.name"},
        {"negative quota memory", "Project", "neg-quota", "", R"({"name":"neg-quota","quota":{"memory":"-1Gi"}})", "spec.quota.memory"},
        {"negative pod quota", "Project", "neg-pods", "", R"({"name":"neg-pods","quota":{"pods":-1}})", "spec.quota.pods"},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.description);
        auto response = api().create(object_of(c.kind, c.name, c.ns, c.spec));
        EXPECT_EQ(response.status, 422) << response.body;
        std::string message;
        if (auto parsed = json::parse(response.body); parsed.is_object() && parsed.as_object().contains("message"))
            message = parsed.at("message").as_string();
        EXPECT_NE(message.find(c.field), std::string::npos) << "message does not name " << c.field << ": " << message;
    }
}

TEST_F(CrdSchema, ObjectsWithoutSpecAreRefused) {
    json::value app = {{"apiVersion", kGroupVersion}, {"kind", "App"},
                       {"metadata", {{"name", "no-spec"}, {"namespace", "schema-tests"}}}};
    auto response = api().create(app);
    EXPECT_EQ(response.status, 422);
    EXPECT_NE(response.body.find("spec"), std::string::npos) << response.body;
}

}  // namespace
}  // namespace sb::deploytest
