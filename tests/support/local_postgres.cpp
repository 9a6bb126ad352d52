#include "local_postgres.hpp"

#include <libpq-fe.h>
#include <pwd.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <stdexcept>
#include <thread>

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

LocalPostgres::LocalPostgres() : dir_("pg"), bin_dir_(find_pg_bin_dir()), port_(free_port()) {
    fs::create_directories(dir_ / "data");
    fs::create_directories(dir_ / "sock");
    if (!server_user().empty()) {
        passwd* pw = getpwnam(server_user().c_str());
        if (pw == nullptr) throw std::runtime_error("user postgres not found");
        for (const auto& p : {dir_.path(), dir_ / "data", dir_ / "sock"})
            if (chown(p.c_str(), pw->pw_uid, pw->pw_gid) != 0) throw std::runtime_error("chown " + p.string());
    }
    run_command({bin_dir_ + "/initdb", "-D", (dir_ / "data").string(), "-U", "postgres", "-A", "trust", "-E", "UTF8",
                 "--no-instructions"},
                server_user());
    start();
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
