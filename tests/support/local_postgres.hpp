#pragma once
// A throwaway PostgreSQL server for database tests: initdb into a scratch
// directory, listening on a free loopback port, removed afterwards.
#include <string>

#include "child_process.hpp"
#include "scratch.hpp"

namespace sb::testenv {

class LocalPostgres {
public:
    LocalPostgres();
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

private:
    ScratchDir dir_;
    std::string bin_dir_;
    int port_ = 0;
    ChildProcess server_;
};

}  // namespace sb::testenv
