#pragma once
// A throwaway PostgreSQL server for database tests: initdb into a scratch
// directory, listening on a free loopback port, removed afterwards.
#include <string>

#include "tests/support/child_process.hpp"
#include "tests/support/scratch.hpp"

namespace sb::testenv {

class LocalPostgres {
public:
    struct Options {
        // ssl=on with a certificate for localhost / 127.0.0.1 signed by ca_file().
        bool tls = false;
        // Roles that must log in over TCP with a password, one per method
        // (see password_user()), and sb_tls_only, refused without TLS.
        bool password_users = false;
        // A hot standby (read-only) of the server on this port: a base
        // backup streaming from it instead of a fresh initdb.
        int standby_of_port = 0;
    };
    explicit LocalPostgres(Options options);
    LocalPostgres() : LocalPostgres(Options{}) {}
    ~LocalPostgres();
    LocalPostgres(const LocalPostgres&) = delete;
    LocalPostgres& operator=(const LocalPostgres&) = delete;

    static LocalPostgres& shared();

    int port() const { return port_; }
    // postgresql://postgres@127.0.0.1:PORT/<database>
    std::string url(const std::string& database = "postgres") const;
    // Creates a fresh, empty database and returns its URL.
    std::string create_database(const std::string& name);
    void kill_hard() { server_.kill_hard(); }
    void start();
    std::string socket_dir() const { return (dir_ / "sock").string(); }
    std::string ca_file() const { return (dir_ / "tls" / "ca.crt").string(); }
    // With Options::password_users: the role for "scram-sha-256", "md5" or
    // "password" (cleartext); its password is password_of(role).
    static std::string password_user(const std::string& method);
    static std::string password_of(const std::string& role) { return role + "-secret"; }

private:
    void write_tls_files();
    void write_hba_for_password_users();
    void create_password_users();

    ScratchDir dir_;
    std::string bin_dir_;
    int port_ = 0;
    ChildProcess server_;
};

}  // namespace sb::testenv
