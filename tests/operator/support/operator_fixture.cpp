#include "tests/operator/support/operator_fixture.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/json/parse.hpp>
#include <fstream>
#include <regex>
#include <sstream>

#include "common/base64.hpp"
#include "kube/config.hpp"
#include "operator/common/crd_types.hpp"
#include "kube/errors.hpp"
#include "tests/support/scratch.hpp"
#include "operator/common/yaml_json.hpp"

namespace sb::optest {

using namespace std::chrono_literals;

SyncKube::SyncKube(const std::filesystem::path& kubeconfig) : work_(io_.get_executor()) {
    auto config = kube::load_kubeconfig({kubeconfig});
    config.qps = 500;
    config.burst = 1000;
    client_.emplace(io_.get_executor(), config);
    thread_ = std::thread([this] { io_.run(); });
}

SyncKube::~SyncKube() {
    work_.reset();
    io_.stop();
    thread_.join();
}

json::object SyncKube::get(const kube::ResourceRef& r, const std::string& ns, const std::string& name) {
    return run(client_->get(r, ns, name));
}

std::optional<json::object> SyncKube::try_get(const kube::ResourceRef& r, const std::string& ns,
                                              const std::string& name) {
    try {
        return get(r, ns, name);
    } catch (const kube::ApiError& e) {
        if (kube::is_not_found(e)) return std::nullopt;
        throw;
    }
}

std::vector<json::object> SyncKube::list(const kube::ResourceRef& r, const std::string& ns, const std::string& labels) {
    kube::ListOptions options;
    options.label_selector = labels;
    return run(client_->list_all(r, ns, options)).items;
}

json::object SyncKube::create(const kube::ResourceRef& r, json::object obj) { return run(client_->create(r, std::move(obj))); }

json::object SyncKube::apply(const kube::ResourceRef& r, const json::object& obj) {
    return run(client_->apply(r, obj, kube::ApplyOptions{.field_manager = "operator-test", .force = true}));
}

json::object SyncKube::merge_patch(const kube::ResourceRef& r, const std::string& ns, const std::string& name,
                                   const json::value& patch) {
    return run(client_->merge_patch(r, ns, name, patch));
}

void SyncKube::remove(const kube::ResourceRef& r, const std::string& ns, const std::string& name) {
    run(client_->remove(r, ns, name));
}

bool eventually(const std::function<bool()>& check, std::chrono::milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (true) {
        if (check()) return true;
        if (std::chrono::steady_clock::now() > deadline) return false;
        std::this_thread::sleep_for(100ms);
    }
}

void install_crds_from_source(SyncKube& kube) {
    std::vector<std::string> names;
    for (const auto& entry : std::filesystem::directory_iterator(SB_SOURCE_DIR "/deploy/crds")) {
        if (entry.path().extension() != ".yaml") continue;
        for (auto& crd : op::parse_yaml_manifests(testenv::read_file(entry.path()), entry.path().string())) {
            kube.apply(kube::resources::customresourcedefinitions, crd);
            names.push_back(sb::get_string(crd, "metadata.name"));
        }
    }
    for (const auto& name : names) {
        bool ok = eventually([&] {
            auto crd = kube.get(kube::resources::customresourcedefinitions, "", name);
            const auto* status = sb::find_object(crd, "status");
            // A new CRD's status carries "conditions": null until the establishing controller has run.
            const auto* conditions = status ? status->if_contains("conditions") : nullptr;
            if (!conditions || !conditions->is_array()) return false;
            const auto* c = op::find_condition(conditions->get_array(), "Established");
            return c && sb::get_string(*c, "status") == "True";
        });
        if (!ok) throw std::runtime_error("CRD " + name + " not Established");
    }
}

void create_registry_secret(SyncKube& kube, const std::string& registry_auth) {
    kube.apply(kube::resources::namespaces, json::parse(R"({"apiVersion":"v1","kind":"Namespace",
        "metadata":{"name":"shapeblock"}})").as_object());
    auto secret = json::parse(R"({"apiVersion":"v1","kind":"Secret","metadata":{"name":"registry-credentials",
        "namespace":"shapeblock"},"type":"kubernetes.io/dockerconfigjson"})").as_object();
    secret["data"] = json::object{{".dockerconfigjson", registry_auth}};
    kube.apply(kube::resources::secrets, secret);
}

namespace {

// The chart template without its {{ }} lines (labels, conditionals) is plain YAML.
json::object chart_object(const std::string& template_name, const std::string& name, const std::string& ns) {
    std::ifstream in(SB_SOURCE_DIR "/deploy/charts/shapeblock-operator/templates/" + template_name);
    if (!in) throw std::runtime_error("chart template " + template_name + " not found");
    std::string line, yaml;
    while (std::getline(in, line))
        if (line.find("{{") == std::string::npos) yaml += line + "\n";
    auto docs = op::parse_yaml_manifests(yaml, template_name);
    auto obj = docs.at(0);
    auto& meta = obj["metadata"].as_object();
    meta["name"] = name;
    if (!ns.empty()) meta["namespace"] = ns;
    return obj;
}

const kube::ResourceRef kClusterRoles{"rbac.authorization.k8s.io", "v1", "clusterroles", false, "ClusterRole"};
const kube::ResourceRef kClusterRoleBindings{"rbac.authorization.k8s.io", "v1", "clusterrolebindings", false,
                                             "ClusterRoleBinding"};
const kube::ResourceRef kRoles{"rbac.authorization.k8s.io", "v1", "roles", true, "Role"};
const kube::ResourceRef kRoleBindings{"rbac.authorization.k8s.io", "v1", "rolebindings", true, "RoleBinding"};

json::object binding(const std::string& kind, const std::string& name, const std::string& ns, const std::string& role_kind) {
    json::object meta{{"name", name}};
    if (!ns.empty()) meta["namespace"] = ns;
    return json::object{
        {"apiVersion", "rbac.authorization.k8s.io/v1"},
        {"kind", kind},
        {"metadata", meta},
        {"roleRef", json::object{{"apiGroup", "rbac.authorization.k8s.io"}, {"kind", role_kind}, {"name", name}}},
        {"subjects", json::array{json::object{
                         {"kind", "ServiceAccount"}, {"name", "shapeblock-operator"}, {"namespace", "shapeblock"}}}}};
}

}  // namespace

std::filesystem::path operator_service_account_kubeconfig(SyncKube& admin, const testenv::LocalControlPlane& cp,
                                                          const std::filesystem::path& dir) {
    admin.apply(kube::resources::namespaces,
                json::parse(R"({"apiVersion":"v1","kind":"Namespace","metadata":{"name":"shapeblock"}})").as_object());
    admin.apply(kube::resources::serviceaccounts,
                json::parse(R"({"apiVersion":"v1","kind":"ServiceAccount","metadata":{"name":"shapeblock-operator",
                    "namespace":"shapeblock"}})").as_object());
    admin.apply(kClusterRoles, chart_object("clusterrole.yaml", "shapeblock-operator", ""));
    admin.apply(kClusterRoleBindings, binding("ClusterRoleBinding", "shapeblock-operator", "", "ClusterRole"));
    admin.apply(kRoles, chart_object("role.yaml", "shapeblock-operator", "shapeblock"));
    admin.apply(kRoleBindings, binding("RoleBinding", "shapeblock-operator", "shapeblock", "Role"));

    // The token controller (controller-manager) creates the SA's token Secret.
    std::string token;
    bool ok = eventually(
        [&] {
            for (const auto& s : admin.list(kube::resources::secrets, "shapeblock")) {
                if (sb::get_string(s, "type") != "kubernetes.io/service-account-token") continue;
                const auto* ann = sb::find_object(s, "metadata.annotations");
                if (!ann || !ann->contains("kubernetes.io/service-account.name") ||
                    ann->at("kubernetes.io/service-account.name") != "shapeblock-operator")
                    continue;
                const auto* data = sb::find_object(s, "data");
                if (!data || !data->contains("token")) continue;
                token = sb::base64_decode(data->at("token").as_string());
                return true;
            }
            return false;
        },
        60s);
    if (!ok) throw std::runtime_error("no token Secret for ServiceAccount shapeblock/shapeblock-operator");
    auto file = dir / "operator-sa.kubeconfig";
    std::ostringstream yaml;
    yaml << "apiVersion: v1\nkind: Config\nclusters:\n- name: local\n  cluster:\n    server: " << cp.server_url()
         << "\n    certificate-authority: " << cp.ca_file().string() << "\nusers:\n- name: operator\n  user:\n    token: "
         << token << "\ncontexts:\n- name: operator\n  context:\n    cluster: local\n    user: operator\n"
         << "current-context: operator\n";
    testenv::write_file(file, yaml.str());
    return file;
}

OperatorProcess::OperatorProcess(std::filesystem::path kubeconfig, std::filesystem::path log_file,
                                 std::vector<std::string> extra)
    : kubeconfig_(std::move(kubeconfig)), log_file_(std::move(log_file)), extra_(std::move(extra)) {}

void OperatorProcess::start() {
    // Each run logs to its own file; log() concatenates them.
    testenv::ProcessSpec spec;
    spec.argv = {SB_OPERATOR_BINARY, "--kubeconfig", kubeconfig_.string(), "--metrics-address", "127.0.0.1:0",
                 "--log-level", "debug"};
    spec.argv.insert(spec.argv.end(), extra_.begin(), extra_.end());
    spec.log_file = log_file_.string() + "." + std::to_string(runs_++);
    process_ = testenv::ChildProcess(std::move(spec));
}

std::string OperatorProcess::log() const {
    std::string out;
    for (int i = 0; i < runs_; ++i) {
        std::filesystem::path f = log_file_.string() + "." + std::to_string(i);
        if (std::filesystem::exists(f)) out += testenv::read_file(f);
    }
    return out;
}

long OperatorProcess::rss_kib() const {
    std::ifstream status("/proc/" + std::to_string(process_.pid()) + "/status");
    std::string line;
    while (std::getline(status, line))
        if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
    return -1;
}

int OperatorProcess::health_port() const {
    std::filesystem::path f = log_file_.string() + "." + std::to_string(runs_ - 1);
    if (!std::filesystem::exists(f)) return 0;
    static const std::regex port_line(R"re("msg":"serving /metrics[^\n]*"port":([0-9]+))re");
    std::smatch m;
    auto text = testenv::read_file(f);
    return std::regex_search(text, m, port_line) ? std::stoi(m[1]) : 0;
}

std::string http_get(int port, const std::string& path) {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) throw std::runtime_error("socket failed");
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<std::uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
        ::close(fd);
        throw std::runtime_error("cannot connect to 127.0.0.1:" + std::to_string(port));
    }
    auto request = "GET " + path + " HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n";
    if (::send(fd, request.data(), request.size(), 0) < 0) {
        ::close(fd);
        throw std::runtime_error("send failed");
    }
    std::string response;
    char buf[4096];
    for (ssize_t n; (n = ::recv(fd, buf, sizeof buf, 0)) > 0;) response.append(buf, static_cast<std::size_t>(n));
    ::close(fd);
    return response;
}

std::string project_json(const std::string& name, const std::string& extra_spec) {
    return R"({"apiVersion":"apps.shapeblock.io/v1alpha1","kind":"Project","metadata":{"name":")" + name +
           R"("},"spec":{"name":")" + name + "\"" + extra_spec + "}}";
}

}  // namespace sb::optest
