#include "tests/stack/local_registry.hpp"

#include <stdexcept>
#include <thread>

namespace sb::stacktest {

LocalRegistry::LocalRegistry() : password_(testenv::random_hex(12)) {
    host_ = "127.0.0.1:" + std::to_string(testenv::free_port());
    const auto htpasswd = dir_ / "htpasswd";
    testenv::write_file(htpasswd, testenv::run_command({"htpasswd", "-nbB", "-C", "4", user_, password_}));
    testenv::write_file(dir_ / "config.yml", "version: 0.1\n"
                                             "log: {level: warn, accesslog: {disabled: true}}\n"
                                             "storage:\n  filesystem: {rootdirectory: " + (dir_ / "data").string() + "}\n"
                                             "http:\n  addr: " + host_ + "\n  secret: " + testenv::random_hex(16) + "\n"
                                             "auth:\n  htpasswd: {realm: stack-test, path: " + htpasswd.string() + "}\n");
    testenv::ProcessSpec spec;
    spec.argv = {"docker-registry", "serve", (dir_ / "config.yml").string()};
    spec.log_file = (dir_ / "registry.log").string();
    process_ = testenv::ChildProcess(std::move(spec));
    for (int i = 0; i < 200; ++i) {
        try {
            if (testenv::run_command({"curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "http://" + host_ + "/v2/"}) == "401") return;
        } catch (const std::exception&) {
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    throw std::runtime_error("docker-registry did not start: " + process_.log_tail());
}

std::string LocalRegistry::get(const std::string& path, const std::string& accept) const {
    std::vector<std::string> argv{"curl", "-sSf", "-u", user_ + ":" + password_};
    if (!accept.empty()) argv.insert(argv.end(), {"-H", "Accept: " + accept});
    argv.push_back("http://" + host_ + path);
    return testenv::run_command(argv);
}

int LocalRegistry::status(const std::string& path, bool head) const {
    std::vector<std::string> argv{"curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "-u", user_ + ":" + password_};
    if (head) argv.push_back("-I");
    argv.push_back("http://" + host_ + path);
    return std::stoi(testenv::run_command(argv));
}

}  // namespace sb::stacktest
