#include "tests/support/local_postgres.hpp"

#include <libpq-fe.h>
#include <pwd.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <stdexcept>
#include <thread>

#include "tests/support/test_pki.hpp"

namespace sb::testenv {
namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

std::string find_pg_bin_dir() {
    if (const char* env = std::getenv("SB_PG_BIN_DIR")) return env;
    for (const char* v : {"17", "16", "15", "14", "13"}) {
        std::string dir = std::string("/usr/lib/postgresql/") + v + "/bin";
        if (access((dir + "/initdb").c_str(), X_OK) == 0) return dir;
    }
    throw std::runtime_error("PostgreSQL server binaries not found: apt-get install postgresql");
}

// PostgreSQL refuses to run as root; when we are root, it runs as `postgres`.
std::string server_user() { return getuid() == 0 ? "postgres" : ""; }

}  // namespace

LocalPostgres::LocalPostgres(Options options) : dir_("pg"), bin_dir_(find_pg_bin_dir()), port_(free_port()) {
    fs::create_directories(dir_ / "data");
    fs::create_directories(dir_ / "sock");
    if (!server_user().empty()) {
        passwd* pw = getpwnam(server_user().c_str());
        if (pw == nullptr) throw std::runtime_error("user postgres not found");
        for (const auto& p : {dir_.path(), dir_ / "data", dir_ / "sock"})
            if (chown(p.c_str(), pw->pw_uid, pw->pw_gid) != 0) throw std::runtime_error("chown " + p.string());
    }
    if (options.standby_of_port != 0) {
        fs::permissions(dir_ / "data", fs::perms::owner_all);  // postgres refuses a data directory others can read
        // -R writes standby.signal and primary_conninfo; initdb's trust
        // pg_hba.conf lets local replication connections in.
        run_command({bin_dir_ + "/pg_basebackup", "-d",
                     "postgresql://postgres@127.0.0.1:" + std::to_string(options.standby_of_port) + "/postgres", "-D",
                     (dir_ / "data").string(), "-R", "-X", "stream", "-c", "fast"},
                    server_user());
        start();
        return;
    }
    run_command({bin_dir_ + "/initdb", "-D", (dir_ / "data").string(), "-U", "postgres", "-A", "trust", "-E", "UTF8",
                 "--no-instructions"},
                server_user());
    if (options.tls) write_tls_files();
    if (options.password_users) write_hba_for_password_users();
    start();
    if (options.password_users) create_password_users();
}

std::string LocalPostgres::password_user(const std::string& method) {
    if (method == "scram-sha-256") return "sb_scram";
    if (method == "md5") return "sb_md5";
    if (method == "password") return "sb_cleartext";
    throw std::invalid_argument("no test role for authentication method " + method);
}

void LocalPostgres::write_tls_files() {
    const auto d = dir_ / "tls";
    TestPki pki(d, "shapeblock-test-pg-ca");
    pki.issue("server", "/CN=localhost", "subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n");
    fs::permissions(d / "server.key", fs::perms::owner_read | fs::perms::owner_write);
    if (!server_user().empty()) {
        passwd* pw = getpwnam(server_user().c_str());
        for (const char* f : {"server.crt", "server.key"})
            if (pw == nullptr || chown((d / f).c_str(), pw->pw_uid, pw->pw_gid) != 0) throw std::runtime_error("chown TLS files");
    }
    std::string conf = read_file(dir_ / "data" / "postgresql.conf");
    conf += "\nssl = on\nssl_cert_file = '" + (d / "server.crt").string() + "'\nssl_key_file = '" + (d / "server.key").string() + "'\n";
    write_file(dir_ / "data" / "postgresql.conf", conf);
}

void LocalPostgres::write_hba_for_password_users() {
    // First match wins: the password roles before the catch-all trust.
    write_file(dir_ / "data" / "pg_hba.conf",
               "local all all trust\n"
               "host all sb_scram 127.0.0.1/32 scram-sha-256\n"
               "host all sb_md5 127.0.0.1/32 md5\n"
               "host all sb_cleartext 127.0.0.1/32 password\n"
               "hostnossl all sb_tls_only 127.0.0.1/32 reject\n"
               "host all all 127.0.0.1/32 trust\n");
}

void LocalPostgres::create_password_users() {
    PGconn* conn = PQconnectdb(url().c_str());
    std::string sql = "CREATE ROLE sb_scram LOGIN PASSWORD '" + password_of("sb_scram") +
                      "'; SET password_encryption = 'md5'; CREATE ROLE sb_md5 LOGIN PASSWORD '" + password_of("sb_md5") +
                      "'; RESET password_encryption; CREATE ROLE sb_cleartext LOGIN PASSWORD '" + password_of("sb_cleartext") +
                      "'; CREATE ROLE sb_tls_only LOGIN;";
    PGresult* res = PQexec(conn, sql.c_str());
    bool ok = PQresultStatus(res) == PGRES_COMMAND_OK;
    std::string err = ok ? "" : PQerrorMessage(conn);
    PQclear(res);
    PQfinish(conn);
    if (!ok) throw std::runtime_error("create test roles: " + err);
}

LocalPostgres::~LocalPostgres() { server_.stop(); }

LocalPostgres& LocalPostgres::shared() {
    static LocalPostgres instance;
    return instance;
}

void LocalPostgres::start() {
    server_ = ChildProcess({{bin_dir_ + "/postgres", "-D", (dir_ / "data").string(), "-p", std::to_string(port_), "-k",
                             (dir_ / "sock").string(), "-c", "listen_addresses=127.0.0.1", "-c", "max_connections=200"},
                            (dir_ / "postgres.log").string(),
                            {},
                            server_user()});
    auto deadline = std::chrono::steady_clock::now() + 60s;
    while (std::chrono::steady_clock::now() < deadline) {
        if (!server_.running()) throw std::runtime_error("postgres exited:\n" + server_.log_tail());
        if (PQping(url().c_str()) == PQPING_OK) return;
        std::this_thread::sleep_for(100ms);
    }
    throw std::runtime_error("postgres not ready after 60 s:\n" + server_.log_tail());
}

std::string LocalPostgres::url(const std::string& database) const {
    return "postgresql://postgres@127.0.0.1:" + std::to_string(port_) + "/" + database;
}

std::string LocalPostgres::create_database(const std::string& name) {
    PGconn* conn = PQconnectdb(url().c_str());
    if (PQstatus(conn) != CONNECTION_OK) {
        std::string err = PQerrorMessage(conn);
        PQfinish(conn);
        throw std::runtime_error("connect to test postgres: " + err);
    }
    PGresult* res = PQexec(conn, ("CREATE DATABASE \"" + name + "\"").c_str());
    bool ok = PQresultStatus(res) == PGRES_COMMAND_OK;
    std::string err = ok ? "" : PQerrorMessage(conn);
    PQclear(res);
    PQfinish(conn);
    if (!ok) throw std::runtime_error("CREATE DATABASE " + name + ": " + err);
    return url(name);
}

}  // namespace sb::testenv
