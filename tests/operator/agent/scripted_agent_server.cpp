#include "tests/operator/agent/scripted_agent_server.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <deque>
#include <memory>

#include "agent/codec.hpp"

namespace sb::optest {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using asio::ip::tcp;

namespace {

struct Connection : std::enable_shared_from_this<Connection> {
    explicit Connection(tcp::socket socket) : ws(std::move(socket)) {}
    websocket::stream<beast::tcp_stream> ws;
    std::deque<std::string> outgoing;
    bool writing = false;

    void send(std::string frame) {
        outgoing.push_back(std::move(frame));
        if (writing) return;
        writing = true;
        asio::co_spawn(ws.get_executor(), write_all(shared_from_this()), asio::detached);
    }
    static asio::awaitable<void> write_all(std::shared_ptr<Connection> self) {
        try {
            while (!self->outgoing.empty()) {
                auto frame = std::move(self->outgoing.front());
                self->outgoing.pop_front();
                co_await self->ws.async_write(asio::buffer(frame), asio::use_awaitable);
            }
        } catch (...) {
        }
        self->writing = false;
    }
};

}  // namespace

ScriptedAgentServer::ScriptedAgentServer(std::string token)
    : token_(std::move(token)), acceptor_(io_, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)) {
    port_ = acceptor_.local_endpoint().port();
    thread_ = std::thread([this] {
        accept_loop();
        io_.run();
    });
}

ScriptedAgentServer::~ScriptedAgentServer() {
    asio::post(io_, [this] {
        acceptor_.close();
        if (close_) close_();
        io_.stop();
    });
    thread_.join();
}

void ScriptedAgentServer::accept_loop() {
    asio::co_spawn(
        io_,
        [this]() -> asio::awaitable<void> {
            for (;;) {
                auto socket = co_await acceptor_.async_accept(asio::use_awaitable);
                auto conn = std::make_shared<Connection>(std::move(socket));
                asio::co_spawn(
                    io_,
                    [this, conn]() -> asio::awaitable<void> {
                        beast::flat_buffer buffer;
                        http::request<http::string_body> req;
                        co_await http::async_read(conn->ws.next_layer(), buffer, req, asio::use_awaitable);
                        if (req[http::field::authorization] != "Bearer " + token_ || req.target() != "/api/v1/agent") {
                            http::response<http::string_body> no{http::status::unauthorized, 11};
                            no.body() = R"({"error":"unauthorized"})";
                            no.prepare_payload();
                            co_await http::async_write(conn->ws.next_layer(), no, asio::use_awaitable);
                            std::lock_guard lock(mutex_);
                            ++refused_;
                            changed_.notify_all();
                            co_return;
                        }
                        co_await conn->ws.async_accept(req, asio::use_awaitable);
                        conn->ws.text(true);
                        try {
                            for (;;) {
                                beast::flat_buffer frame;
                                co_await conn->ws.async_read(frame, asio::use_awaitable);
                                auto decoded = agent::decode(beast::buffers_to_string(frame.data()), agent::Sender::op);
                                if (auto* m = std::get_if<agent::Message>(&decoded)) {
                                    std::lock_guard lock(mutex_);
                                    if (std::holds_alternative<agent::Hello>(m->body)) {
                                        // Like the real server: the welcome first, then anything else.
                                        conn->send(agent::encode({"", agent::Welcome{1, "scripted"}}));
                                        if (close_) close_();
                                        send_frame_ = [conn](std::string frame) { conn->send(std::move(frame)); };
                                        close_ = [conn] { beast::get_lowest_layer(conn->ws).close(); };
                                        ++connections_;
                                    }
                                    received_.push_back(std::move(*m));
                                    changed_.notify_all();
                                }
                            }
                        } catch (const boost::system::system_error& e) {
                            std::lock_guard lock(mutex_);
                            if (e.code() == websocket::error::closed) last_close_code_ = conn->ws.reason().code;
                            changed_.notify_all();
                        } catch (...) {
                        }
                    },
                    asio::detached);
            }
        },
        asio::detached);
}

void ScriptedAgentServer::send(const agent::Message& message, std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex_);
    changed_.wait_for(lock, timeout, [&] { return static_cast<bool>(send_frame_); });
    if (!send_frame_) throw std::runtime_error("no operator connected to send to");
    auto send = send_frame_;
    asio::post(io_, [send, frame = agent::encode(message)] { send(frame); });
}

void ScriptedAgentServer::drop() {
    std::unique_lock lock(mutex_);
    auto close = std::exchange(close_, nullptr);
    send_frame_ = nullptr;
    if (close) asio::post(io_, close);
}

std::optional<agent::Message> ScriptedAgentServer::wait_for(const std::function<bool(const agent::Message&)>& match,
                                                            std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex_);
    std::optional<agent::Message> found;
    changed_.wait_for(lock, timeout, [&] {
        for (const auto& m : received_)
            if (match(m)) {
                found = m;
                return true;
            }
        return false;
    });
    return found;
}

std::optional<agent::Ack> ScriptedAgentServer::ack_of(const std::string& id, std::chrono::milliseconds timeout) {
    auto m = wait_for(
        [&](const agent::Message& m) {
            const auto* ack = std::get_if<agent::Ack>(&m.body);
            return ack && ack->reply_to == id;
        },
        timeout);
    if (!m) return std::nullopt;
    return std::get<agent::Ack>(m->body);
}

std::optional<int> ScriptedAgentServer::wait_for_close(std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex_);
    changed_.wait_for(lock, timeout, [&] { return last_close_code_.has_value(); });
    return std::exchange(last_close_code_, std::nullopt);
}

int ScriptedAgentServer::connections() const {
    std::lock_guard lock(mutex_);
    return connections_;
}

int ScriptedAgentServer::refused() const {
    std::lock_guard lock(mutex_);
    return refused_;
}

void ScriptedAgentServer::clear_received() {
    std::lock_guard lock(mutex_);
    received_.clear();
}

}  // namespace sb::optest
