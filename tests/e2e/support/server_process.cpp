#include "tests/e2e/support/server_process.hpp"

#include <boost/json.hpp>

#include "tests/e2e/support/kube_api.hpp"
#include "tests/support/scratch.hpp"

namespace sb::e2e {
namespace json = boost::json;
using namespace std::chrono_literals;

namespace {
constexpr const char* kAdminEmail = "admin@e2e.test";
}

ServerProcess::ServerProcess(std::string binary, const std::filesystem::path& data_dir)
    : port_(testenv::free_port()), admin_password_(testenv::random_hex(16)) {
    std::filesystem::create_directories(data_dir);
    process_ = testenv::ChildProcess({{std::move(binary), "--listen", "127.0.0.1", "--port", std::to_string(port_),
                                       "--data-dir", data_dir.string(), "--log-format", "text", "--log-level", "debug"},
                                      (data_dir / "server.log").string(),
                                      {{"SB_ADMIN_EMAIL", kAdminEmail}, {"SB_ADMIN_PASSWORD", admin_password_}}});
    server::testing::ApiClient probe(port_);
    wait_until("shapeblock-server to be ready", 60s, [&] {
        if (!process_.running()) throw WaitAborted("shapeblock-server exited:\n" + process_.log_tail());
        return probe.get("/readyz").status == 200;
    });
}

server::testing::ApiClient ServerProcess::admin() const {
    server::testing::ApiClient session(port_);
    auto login = session.post("/api/v1/auth/login", json::object{{"email", kAdminEmail}, {"password", admin_password_}});
    if (login.status != 200) throw std::runtime_error("signing in as the administrator failed: " + login.body);
    const auto cookie = login.header("set-cookie");
    session.cookie = cookie.substr(0, cookie.find(';'));
    session.csrf = std::string(login.json().at("csrfToken").as_string());
    auto token = session.post("/api/v1/me/tokens", json::object{{"name", "e2e"}});
    if (token.status != 201) throw std::runtime_error("creating an API token failed: " + token.body);
    server::testing::ApiClient admin(port_);
    admin.bearer = std::string(token.json().at("token").as_string());
    return admin;
}

}  // namespace sb::e2e
