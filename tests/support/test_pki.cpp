#include "tests/support/test_pki.hpp"

#include "tests/support/child_process.hpp"
#include "tests/support/scratch.hpp"

namespace sb::testenv {

void run_openssl(std::vector<std::string> args) {
    args.insert(args.begin(), "openssl");
    run_command(args);
}

TestPki::TestPki(std::filesystem::path dir, const std::string& ca_common_name) : dir_(std::move(dir)) {
    std::filesystem::create_directories(dir_);
    run_openssl({"req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout",
                 key_file("ca").string(), "-out", ca_file().string(), "-days", "2", "-subj", "/CN=" + ca_common_name});
}

void TestPki::issue(const std::string& name, const std::string& subject, const std::string& extensions) const {
    auto csr = dir_ / (name + ".csr");
    auto ext = dir_ / (name + ".ext");
    run_openssl({"req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout",
                 key_file(name).string(), "-out", csr.string(), "-subj", subject});
    write_file(ext, extensions);
    run_openssl({"x509", "-req", "-in", csr.string(), "-CA", ca_file().string(), "-CAkey", key_file("ca").string(),
                 "-CAcreateserial", "-out", cert_file(name).string(), "-days", "2", "-extfile", ext.string()});
}

}  // namespace sb::testenv
