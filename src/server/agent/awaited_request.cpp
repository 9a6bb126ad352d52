#include "server/agent/awaited_request.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <optional>

#include "server/agent/agent_hub.hpp"
#include "server/core/api_error.hpp"
#include "server/core/state.hpp"

namespace sb::server::agent {
namespace asio = boost::asio;

asio::awaitable<sb::agent::Body> send_and_wait(ServerState& state, std::string cluster_id, sb::agent::Body request,
                                                std::chrono::seconds timeout, std::string what) {
    auto connection = state.agents.find(cluster_id);
    if (!connection || connection->closing())
        throw ApiError(503, "cluster_unavailable", "the cluster is not connected: " + what);
    asio::steady_timer timer(co_await asio::this_coro::executor, timeout);
    std::optional<sb::agent::Body> answer;
    const auto id = connection->send(std::move(request));
    connection->reply_waiters[id] = [&answer, &timer](const sb::agent::Body& reply) {
        answer = reply;
        timer.cancel();
    };
    // The connection must not call back into this frame once the wait is over.
    struct Forget {
        std::weak_ptr<AgentConnection> connection;
        std::string id;
        ~Forget() {
            if (auto c = connection.lock()) c->reply_waiters.erase(id);
        }
    } forget{connection, id};
    co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
    if (!answer)
        throw ApiError(504, "cluster_timeout", "the cluster did not answer within " + std::to_string(timeout.count()) + " s: " + what);
    co_return std::move(*answer);
}

}  // namespace sb::server::agent
