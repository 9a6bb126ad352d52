#include "kube/credentials.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/asio/as_tuple.hpp>
#include <poll.h>
#include <boost/json.hpp>
#include <array>
#include <cstring>
#include <ctime>
#include <fstream>
#include <map>
#include <sstream>
#include <thread>

#include "common/json_fields.hpp"
#include "common/rfc3339.hpp"
#include "kube/async_event.hpp"
#include "common/base64.hpp"
#include "kube/http_transport.hpp"

extern char** environ;

namespace sb::kube::detail {

namespace asio = boost::asio;
namespace json = boost::json;

namespace {

constexpr auto kExecTimeout = std::chrono::seconds(60);
// Refresh a little before the plugin's token really expires.
constexpr auto kExpirySkew = std::chrono::seconds(10);

std::string trim(std::string s) {
    while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ' || s.back() == '\t')) s.pop_back();
    std::size_t start = s.find_first_not_of(" \t\r\n");
    return start == std::string::npos ? std::string() : s.substr(start);
}

}  // namespace

ExecCredential parse_exec_credential(std::string_view text, std::string_view expected_api_version) {
    json::error_code ec;
    auto value = json::parse(text, ec);
    if (ec || !value.is_object()) throw ConfigError("exec plugin output is not a JSON object");
    const auto& obj = value.get_object();
    if (get_string(obj, "kind") != "ExecCredential")
        throw ConfigError("exec plugin output has kind '" + get_string(obj, "kind") + "', expected ExecCredential");
    if (auto v = get_string(obj, "apiVersion"); v != expected_api_version)
        throw ConfigError("exec plugin output has apiVersion '" + v + "', expected '" + std::string(expected_api_version) + "'");
    auto status = obj.find("status");
    if (status == obj.end() || !status->value().is_object()) throw ConfigError("exec plugin output has no status");
    const auto& st = status->value().get_object();
    ExecCredential cred;
    cred.token = get_string(st, "token");
    cred.client_cert_pem = get_string(st, "clientCertificateData");
    cred.client_key_pem = get_string(st, "clientKeyData");
    if (cred.token.empty() && cred.client_cert_pem.empty())
        throw ConfigError("exec plugin output has neither status.token nor status.clientCertificateData");
    if (cred.client_cert_pem.empty() != cred.client_key_pem.empty())
        throw ConfigError("exec plugin output needs both clientCertificateData and clientKeyData");
    if (auto exp = get_string(st, "expirationTimestamp"); !exp.empty()) {
        cred.expires = parse_rfc3339(exp);
        if (!cred.expires)
            throw ConfigError("exec plugin output: expirationTimestamp: not an RFC 3339 time: '" + exp + "'");
    }
    return cred;
}

std::string exec_info_json(const ClusterConfig& config) {
    json::object spec{{"interactive", false}};
    if (config.exec && config.exec->provide_cluster_info) {
        json::object cluster{{"server", config.server}};
        if (!config.ca_pem.empty()) cluster["certificate-authority-data"] = base64_encode(config.ca_pem);
        if (!config.tls_server_name.empty()) cluster["tls-server-name"] = config.tls_server_name;
        if (config.insecure_skip_tls_verify) cluster["insecure-skip-tls-verify"] = true;
        spec["cluster"] = std::move(cluster);
    }
    json::object info{{"apiVersion", config.exec ? config.exec->api_version : std::string()},
                      {"kind", "ExecCredential"},
                      {"spec", std::move(spec)}};
    return json::serialize(info);
}

Credentials::Credentials(const ClusterConfig& config) : config_(config) {}

std::string Credentials::read_token_file() {
    std::ifstream in(config_.token_file);
    if (!in) throw TransportError("cannot read token file " + config_.token_file.string());
    std::ostringstream out;
    out << in.rdbuf();
    auto token = trim(out.str());
    if (token.empty()) throw TransportError("token file " + config_.token_file.string() + " is empty");
    return token;
}

bool Credentials::invalidate() {
    std::lock_guard lock(mutex_);
    if (!config_.bearer_token.empty()) return false;
    if (!config_.token_file.empty()) {
        file_read_at_ = {};
        return true;
    }
    if (config_.exec) {
        exec_cached_.reset();
        return true;
    }
    return false;
}

std::uint64_t Credentials::exec_runs() const {
    std::lock_guard lock(mutex_);
    return exec_runs_;
}

// One plugin run on its own (detached) thread; whoever resumes first after
// it finished stores the result.
struct Credentials::ExecRun {
    AsyncEvent done;
    std::optional<ExecCredential> result;  // written by the thread before done.set()
    std::exception_ptr error;
};

asio::awaitable<ExecCredential> Credentials::exec_credential() {
    std::shared_ptr<ExecRun> run;
    {
        std::lock_guard lock(mutex_);
        if (exec_cached_ &&
            (!exec_cached_->expires || std::chrono::system_clock::now() + kExpirySkew < *exec_cached_->expires))
            co_return *exec_cached_;
        if (!exec_in_flight_) {
            exec_in_flight_ = std::make_shared<ExecRun>();
            // Copies: the thread must not depend on this object, which may go first.
            std::thread([run = exec_in_flight_, exec = *config_.exec, info = exec_info_json(config_)] {
                try {
                    run->result = run_exec_plugin(exec, info);
                } catch (...) {
                    run->error = std::current_exception();
                }
                run->done.set();
            }).detach();
        }
        run = exec_in_flight_;
    }
    co_await run->done.wait();
    std::lock_guard lock(mutex_);
    if (exec_in_flight_ == run) {
        exec_in_flight_.reset();
        if (run->result) {
            exec_cached_ = run->result;
            ++exec_runs_;
        }
    }
    if (run->error) std::rethrow_exception(run->error);
    co_return *run->result;
}

asio::awaitable<std::string> Credentials::authorization(asio::any_io_executor, HttpTransport& transport) {
    if (!config_.bearer_token.empty()) co_return "Bearer " + config_.bearer_token;
    if (!config_.token_file.empty()) {
        std::lock_guard lock(mutex_);
        auto now = std::chrono::steady_clock::now();
        if (file_token_.empty() || file_read_at_ == std::chrono::steady_clock::time_point{} ||
            now - file_read_at_ >= config_.token_file_refresh) {
            file_token_ = read_token_file();
            file_read_at_ = now;
        }
        co_return "Bearer " + file_token_;
    }
    if (config_.exec) {
        auto cred = co_await exec_credential();
        if (!cred.client_cert_pem.empty()) {
            bool install = false;
            {
                std::lock_guard lock(mutex_);
                install = cred.client_cert_pem != installed_cert_;
                if (install) installed_cert_ = cred.client_cert_pem;
            }
            if (install) transport.set_client_certificate(cred.client_cert_pem, cred.client_key_pem);
        }
        co_return cred.token.empty() ? std::string() : "Bearer " + cred.token;
    }
    if (!config_.username.empty())
        co_return "Basic " + base64_encode(config_.username + ":" + config_.password);
    co_return std::string();
}

ExecCredential run_exec_plugin(const ExecConfig& exec, const std::string& exec_info) {
    int out_pipe[2];
    if (::pipe2(out_pipe, O_CLOEXEC) != 0) throw TransportError("exec plugin: pipe failed");

    std::map<std::string, std::string> env;
    for (char** e = environ; e && *e; ++e) {
        std::string_view kv(*e);
        auto eq = kv.find('=');
        if (eq != std::string_view::npos) env[std::string(kv.substr(0, eq))] = std::string(kv.substr(eq + 1));
    }
    for (const auto& [k, v] : exec.env) env[k] = v;
    env["KUBERNETES_EXEC_INFO"] = exec_info;
    std::vector<std::string> env_strings;
    for (const auto& [k, v] : env) env_strings.push_back(k + "=" + v);
    std::vector<char*> envp;
    for (auto& s : env_strings) envp.push_back(s.data());
    envp.push_back(nullptr);
    std::vector<std::string> argv_strings{exec.command};
    argv_strings.insert(argv_strings.end(), exec.args.begin(), exec.args.end());
    std::vector<char*> argv;
    for (auto& s : argv_strings) argv.push_back(s.data());
    argv.push_back(nullptr);

    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&actions, out_pipe[1], 1);
    pid_t pid = -1;
    int rc = ::posix_spawnp(&pid, exec.command.c_str(), &actions, nullptr, argv.data(), envp.data());
    posix_spawn_file_actions_destroy(&actions);
    ::close(out_pipe[1]);
    if (rc != 0) {
        ::close(out_pipe[0]);
        std::string msg = "exec plugin '" + exec.command + "' could not be started: " + std::strerror(rc);
        if (!exec.install_hint.empty()) msg += "\n" + exec.install_hint;
        throw TransportError(msg);
    }

    std::string output;
    std::array<char, 4096> buf;
    bool timed_out = false;
    auto deadline = std::chrono::steady_clock::now() + kExecTimeout;
    for (;;) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) {
            timed_out = true;
            ::kill(pid, SIGKILL);
            break;
        }
        pollfd pfd{out_pipe[0], POLLIN, 0};
        int ready = ::poll(&pfd, 1, static_cast<int>(left.count()));
        if (ready < 0 && errno == EINTR) continue;
        if (ready <= 0) continue;
        auto n = ::read(out_pipe[0], buf.data(), buf.size());
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        output.append(buf.data(), static_cast<std::size_t>(n));
        if (output.size() > 1024 * 1024) break;
    }
    ::close(out_pipe[0]);
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    if (timed_out) throw TransportError("exec plugin '" + exec.command + "' did not finish within 60 s");
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        throw TransportError("exec plugin '" + exec.command + "' failed with exit status " +
                             std::to_string(WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status)));
    try {
        return parse_exec_credential(output, exec.api_version);
    } catch (const ConfigError& e) {
        throw TransportError(std::string(e.what()) + " (plugin '" + exec.command + "')");
    }
}

}  // namespace sb::kube::detail
