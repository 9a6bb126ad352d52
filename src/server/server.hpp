#pragma once
// shapeblock-server as a library: opens and migrates the database,
// bootstraps, then serves HTTP(S) and WebSocket on one IO thread until
// stopped. Tests run it in-process; main.cpp wraps it in a command line.
#include <memory>

#include "server/core/config.hpp"

namespace sb::server {

class Server {
public:
    explicit Server(Config config);
    ~Server();
    Server(const Server&) = delete;
    Server& operator=(const Server&) = delete;

    // Serves until request_stop() (or SIGINT/SIGTERM when handle_signals).
    // Returns after in-flight requests finished (or the grace period ended).
    void run(bool handle_signals = false);
    // Blocks until the server listens (returns the port) or run() failed (throws).
    int wait_until_listening();
    // Thread-safe: begins the graceful shutdown.
    void request_stop();

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

// Opens the configured database and applies pending migrations; returns how many.
int migrate_database(const Config& config);

}  // namespace sb::server
