// A leader-election candidate in its own process, for leader_election_test:
// prints "LEADING" once it holds the lease, "LOST" if it loses it (exit 2),
// and "RELEASED" after giving the lease up on SIGTERM (exit 0).
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <csignal>
#include <iostream>

#include "kube/client.hpp"
#include "kube/config.hpp"
#include "kube/leader_election.hpp"

namespace asio = boost::asio;
namespace kube = sb::kube;

int main(int argc, char** argv) {
    if (argc != 8) {
        std::cerr << "usage: " << argv[0]
                  << " KUBECONFIG NAMESPACE LEASE IDENTITY LEASE_MS RENEW_MS RETRY_MS\n";
        return 64;
    }
    try {
        asio::io_context io(1);
        kube::Client client(io.get_executor(), kube::load_kubeconfig({argv[1]}));
        kube::LeaderElector elector(client, {.lease_namespace = argv[2],
                                             .lease_name = argv[3],
                                             .identity = argv[4],
                                             .lease_duration = std::chrono::milliseconds(std::stol(argv[5])),
                                             .renew_deadline = std::chrono::milliseconds(std::stol(argv[6])),
                                             .retry_period = std::chrono::milliseconds(std::stol(argv[7]))});
        std::stop_source stop;
        asio::signal_set signals(io, SIGTERM, SIGINT);
        signals.async_wait([&](const boost::system::error_code& ec, int) {
            if (!ec) stop.request_stop();
        });
        int exit_code = 0;
        asio::co_spawn(
            io,
            [&]() -> asio::awaitable<void> {
                if (co_await elector.acquire(stop.get_token())) {
                    std::cout << "LEADING " << argv[4] << std::endl;
                    if (co_await elector.hold(stop.get_token())) {
                        co_await elector.release();
                        std::cout << "RELEASED" << std::endl;
                    } else {
                        std::cout << "LOST" << std::endl;
                        exit_code = 2;
                    }
                }
                signals.cancel();
            },
            [&](std::exception_ptr e) {
                if (e) exit_code = 1;
                io.stop();
            });
        io.run();
        return exit_code;
    } catch (const std::exception& e) {
        std::cerr << "elector: " << e.what() << "\n";
        return 1;
    }
}
