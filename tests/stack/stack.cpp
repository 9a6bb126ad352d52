#include "tests/stack/stack.hpp"

#include <boost/json/serialize.hpp>

#include <stdexcept>
#include <thread>

#include "tests/operator/support/operator_fixture.hpp"
#include "tests/operator/support/operator_harness.hpp"
#include "tests/support/local_control_plane.hpp"

namespace sb::stacktest {

namespace json = boost::json;
using namespace std::chrono_literals;

namespace {

constexpr const char* kAdminEmail = "admin@stack.test";
constexpr const char* kAdminPassword = "stack-admin-password-1";

std::string tail_of(const std::filesystem::path& file, std::size_t bytes) {
    if (!std::filesystem::exists(file)) return {};
    auto text = testenv::read_file(file);
    return text.size() > bytes ? text.substr(text.size() - bytes) : text;
}

}  // namespace

bool wait_until(const std::function<bool()>& check, std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        if (check()) return true;
        if (std::chrono::steady_clock::now() > deadline) return false;
        std::this_thread::sleep_for(50ms);
    }
}

json::value expect_json(const HttpResult& r, int status, const std::string& what) {
    if (r.status != status)
        throw std::runtime_error(what + ": expected " + std::to_string(status) + ", got " + std::to_string(r.status) + " " + r.body);
    return r.body.empty() ? json::value(nullptr) : r.json();
}

Stack::Stack(StackOptions options) : options_(std::move(options)), dir_("stack") {
    auto& cp = testenv::LocalControlPlane::shared();
    {
        // The CRDs with the HelmChart stand-in (k3s's helm-controller is not here), and the registry secret the operator copies.
        op::testing::SyncClient kube;
        op::testing::install_crds(kube);
        optest::SyncKube admin(cp.admin_kubeconfig());
        optest::create_registry_secret(admin);
    }
    data_dir_ = dir_ / "server-data";
    std::filesystem::create_directories(data_dir_);
    server_port_ = testenv::free_port();
    start_server();
    bootstrap_api();
    proxy_ = std::make_unique<testenv::TcpProxy>(server_port_);
    start_operator();
    if (!wait_connected(60s)) throw std::runtime_error("the operator never connected:\n" + logs());
}

Stack::~Stack() {
    operator_.stop();
    server_.stop();
    proxy_.reset();
}

void Stack::start_server() {
    testenv::ProcessSpec spec;
    spec.argv = {SB_SERVER_BINARY, "--data-dir", data_dir_.string(), "--port", std::to_string(server_port_)};
    spec.env = {{"SB_ADMIN_EMAIL", kAdminEmail}, {"SB_ADMIN_PASSWORD", kAdminPassword}, {"SB_TEST_FAST_HASHING", "1"},
                {"SB_LOG_LEVEL", "info"}};
    spec.log_file = (dir_ / ("server.log." + std::to_string(server_runs_++))).string();
    server_ = testenv::ChildProcess(std::move(spec));
    bool ready = wait_until(
        [&] {
            try {
                return ApiClient(server_port_).get("/readyz").status == 200;
            } catch (const std::exception&) {
                return false;
            }
        },
        30s);
    if (!ready) throw std::runtime_error("the server did not start:\n" + server_.log_tail());
}

// As scripts/run: sign in, an API token, the cluster "local" and its agent token.
void Stack::bootstrap_api() {
    ApiClient session(server_port_);
    auto login = session.post("/api/v1/auth/login", json::object{{"email", kAdminEmail}, {"password", kAdminPassword}});
    auto signed_in = expect_json(login, 200, "login");
    auto cookie = login.header("set-cookie");
    session.cookie = cookie.substr(0, cookie.find(';'));
    session.csrf = std::string(signed_in.at("csrfToken").as_string());
    api_ = std::make_unique<ApiClient>(server_port_);
    api_->bearer = std::string(expect_json(session.post("/api/v1/me/tokens", json::object{{"name", "stack"}}), 201, "API token")
                                   .at("token").as_string());
    team_ = std::string(expect_json(api_->get("/api/v1/teams"), 200, "teams").at("items").at(0).at("id").as_string());
    auto cluster = expect_json(api_->post("/api/v1/teams/" + team_ + "/clusters", json::object{{"name", "local"}}), 201, "cluster");
    cluster_id_ = std::string(cluster.at("id").as_string());
    agent_token_ = std::string(cluster.at("agentToken").as_string());
}

void Stack::start_operator() {
    auto& cp = testenv::LocalControlPlane::shared();
    testenv::ProcessSpec spec;
    spec.argv = {SB_OPERATOR_BINARY, "--kubeconfig", cp.admin_kubeconfig().string(), "--install-crds",
                 "--metrics-address", "127.0.0.1:0", "--lease-namespace", "shapeblock",
                 "--server-url", "http://127.0.0.1:" + std::to_string(proxy_->port()), "--cluster-id", cluster_id_};
    spec.argv.insert(spec.argv.end(), options_.operator_flags.begin(), options_.operator_flags.end());
    spec.env = {{"SB_OPERATOR_AGENT_TOKEN", agent_token_}};
    spec.log_file = (dir_ / ("operator.log." + std::to_string(operator_runs_++))).string();
    operator_ = testenv::ChildProcess(std::move(spec));
}

std::string Stack::cluster_state() const {
    auto r = api_->get("/api/v1/teams/" + team_ + "/clusters/" + cluster_id_);
    return r.status == 200 ? std::string(r.json().at("state").as_string()) : "";
}

bool Stack::wait_connected(std::chrono::seconds timeout) const {
    return wait_until(
        [&] {
            try {
                return cluster_state() == "connected";
            } catch (const std::exception&) {
                return false;
            }
        },
        timeout);
}

std::string Stack::logs() const {
    std::string out;
    for (int i = 0; i < server_runs_; ++i)
        out += "---- server run " + std::to_string(i) + " ----\n" + tail_of(dir_ / ("server.log." + std::to_string(i)), 3000) + "\n";
    for (int i = 0; i < operator_runs_; ++i)
        out += "---- operator run " + std::to_string(i) + " ----\n" + tail_of(dir_ / ("operator.log." + std::to_string(i)), 3000) + "\n";
    return out;
}

}  // namespace sb::stacktest
