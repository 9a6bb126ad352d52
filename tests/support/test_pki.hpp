#pragma once
// Throwaway certificates for the test servers (kube-apiserver, PostgreSQL),
// made with the openssl command: an EC P-256 CA valid for two days and the
// certificates it signs, all as PEM files in one directory.
#include <filesystem>
#include <string>
#include <vector>

namespace sb::testenv {

// Runs `openssl <args>`; throws with its output when it fails.
void run_openssl(std::vector<std::string> args);

class TestPki {
public:
    // Writes <dir>/ca.key and <dir>/ca.crt.
    TestPki(std::filesystem::path dir, const std::string& ca_common_name);

    // Writes <dir>/<name>.key and <dir>/<name>.crt for `subject` ("/CN=x"),
    // with `extensions` as an openssl extension file ("subjectAltName=...").
    void issue(const std::string& name, const std::string& subject, const std::string& extensions) const;

    std::filesystem::path ca_file() const { return dir_ / "ca.crt"; }
    std::filesystem::path cert_file(const std::string& name) const { return dir_ / (name + ".crt"); }
    std::filesystem::path key_file(const std::string& name) const { return dir_ / (name + ".key"); }

private:
    std::filesystem::path dir_;
};

}  // namespace sb::testenv
