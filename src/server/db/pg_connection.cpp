#include "server/db/pg_connection.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include <cstdlib>
#include <filesystem>

#include "server/db/pg_auth.hpp"

namespace sb::server::db::pg {
namespace asio = boost::asio;
using asio::ip::tcp;
using namespace asio::experimental::awaitable_operators;

// The byte stream under the protocol: plain TCP, a Unix socket or TLS.
class Transport {
public:
    virtual ~Transport() = default;
    virtual asio::awaitable<std::size_t> read_some(asio::mutable_buffer buffer) = 0;
    virtual asio::awaitable<void> write(asio::const_buffer buffer) = 0;
    // Best effort, never blocks: Terminate before closing (not over TLS).
    virtual void say_goodbye() {}
};

namespace {

template <typename Socket>
class SocketTransport final : public Transport {
public:
    explicit SocketTransport(Socket socket) : socket_(std::move(socket)) {}
    asio::awaitable<std::size_t> read_some(asio::mutable_buffer buffer) override {
        co_return co_await socket_.async_read_some(buffer, asio::use_awaitable);
    }
    asio::awaitable<void> write(asio::const_buffer buffer) override {
        co_await asio::async_write(socket_, buffer, asio::use_awaitable);
    }
    void say_goodbye() override {
        static const std::string goodbye = terminate_message();
        boost::system::error_code ignored;
        socket_.non_blocking(true, ignored);
        socket_.write_some(asio::buffer(goodbye), ignored);
    }
    Socket& socket() { return socket_; }

private:
    Socket socket_;
};

class TlsTransport final : public Transport {
public:
    TlsTransport(tcp::socket socket, std::unique_ptr<asio::ssl::context> context)
        : context_(std::move(context)), stream_(std::move(socket), *context_) {}
    asio::awaitable<std::size_t> read_some(asio::mutable_buffer buffer) override {
        co_return co_await stream_.async_read_some(buffer, asio::use_awaitable);
    }
    asio::awaitable<void> write(asio::const_buffer buffer) override {
        co_await asio::async_write(stream_, buffer, asio::use_awaitable);
    }
    asio::ssl::stream<tcp::socket>& stream() { return stream_; }

private:
    std::unique_ptr<asio::ssl::context> context_;
    asio::ssl::stream<tcp::socket> stream_;
};

Error unavailable(const ConnectOptions& options, const std::string& what) {
    return Error(Error::Kind::unavailable, "postgres " + options.describe() + ": " + what);
}

Error::Kind classify(std::string_view sqlstate) {
    if (sqlstate == "23505") return Error::Kind::unique_violation;
    if (sqlstate == "23503") return Error::Kind::foreign_key_violation;
    // connection exceptions, operator intervention (shutdown), insufficient resources
    if (sqlstate.starts_with("08") || sqlstate.starts_with("57") || sqlstate.starts_with("53")) return Error::Kind::unavailable;
    return Error::Kind::other;
}

Error server_error(std::string_view body) {
    auto fields = error_fields(body);
    return Error(classify(fields['C']), "postgres: " + describe_error(fields));
}

// TLS failures carry OpenSSL's reason ("certificate verify failed") in what().
std::string describe_system_error(const boost::system::system_error& e) {
    return e.code().category() == asio::error::get_ssl_category() ? e.what() : e.code().message();
}

bool is_ip_address(const std::string& host) {
    boost::system::error_code ec;
    asio::ip::make_address(host, ec);
    return !ec;
}

std::unique_ptr<asio::ssl::context> tls_context(const ConnectOptions& options) {
    auto context = std::make_unique<asio::ssl::context>(asio::ssl::context::tls_client);
    context->set_options(asio::ssl::context::no_sslv2 | asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 |
                         asio::ssl::context::no_tlsv1_1);
    if (options.ssl_mode < SslMode::verify_ca) {
        context->set_verify_mode(asio::ssl::verify_none);  // libpq's require: encrypted, not authenticated
        return context;
    }
    context->set_verify_mode(asio::ssl::verify_peer);
    if (options.ssl_root_cert == "system") {
        context->set_default_verify_paths();
    } else {
        std::string file = options.ssl_root_cert;
        if (file.empty()) {
            const char* home = std::getenv("HOME");
            file = std::string(home ? home : "") + "/.postgresql/root.crt";
        }
        boost::system::error_code ec;
        context->load_verify_file(file, ec);
        if (ec) throw unavailable(options, "sslmode=" + std::string(options.ssl_mode == SslMode::verify_ca ? "verify-ca" : "verify-full") +
                                               " needs a CA certificate; cannot read sslrootcert '" + file + "': " + ec.message());
    }
    return context;
}

}  // namespace

Connection::Connection(asio::any_io_executor io, ConnectOptions options) : io_(std::move(io)), options_(std::move(options)) {}

Connection::~Connection() { disconnect(); }

void Connection::disconnect() {
    if (transport_) transport_->say_goodbye();
    transport_.reset();
    release_buffer();
}

void Connection::release_buffer() {  // after a large result, give the memory back
    input_.clear();
    input_.shrink_to_fit();
    consumed_ = 0;
}

asio::awaitable<Result> Connection::query(std::string sql, Params params) {
    if (!transport_) co_await connect();
    std::optional<Error> lost;
    try {
        Result result = co_await run(sql, params);
        if (input_.capacity() > 64 * 1024 && consumed_ == input_.size()) release_buffer();
        co_return result;
    } catch (const boost::system::system_error& e) {
        lost.emplace(unavailable(options_, "connection lost: " + describe_system_error(e)));
    } catch (const ProtocolError& e) {
        lost.emplace(unavailable(options_, e.what()));
    }
    disconnect();
    throw *lost;
}

asio::awaitable<void> Connection::connect() {
    asio::steady_timer deadline(io_, options_.connect_timeout);
    // handshake() reports failure as a value: `||` waits for the timer when an
    // operand throws, so an error would otherwise take the whole timeout.
    auto outcome = co_await (handshake() || deadline.async_wait(asio::use_awaitable));
    std::exception_ptr failure = outcome.index() == 0 ? std::get<0>(outcome) : nullptr;
    if (outcome.index() == 1)
        failure = std::make_exception_ptr(
            unavailable(options_, "connect timed out after " + std::to_string(options_.connect_timeout.count()) + " s"));
    if (failure) {
        disconnect();
        std::rethrow_exception(failure);
    }
}

asio::awaitable<std::exception_ptr> Connection::handshake() {
    std::exception_ptr failure;
    try {
        co_await open_transport();
        co_await authenticate();
    } catch (const Error&) {
        failure = std::current_exception();
    } catch (const boost::system::system_error& e) {
        failure = std::make_exception_ptr(unavailable(options_, "cannot connect: " + describe_system_error(e)));
    } catch (const std::exception& e) {  // SCRAM, TLS set-up, protocol
        failure = std::make_exception_ptr(unavailable(options_, e.what()));
    }
    co_return failure;
}

asio::awaitable<void> Connection::open_transport() {
    if (options_.unix_socket()) {
        asio::local::stream_protocol::socket socket(io_);
        co_await socket.async_connect(asio::local::stream_protocol::endpoint(options_.unix_socket_path()), asio::use_awaitable);
        transport_ = std::make_unique<SocketTransport<asio::local::stream_protocol::socket>>(std::move(socket));
        co_return;
    }
    tcp::resolver resolver(io_);
    auto endpoints = co_await resolver.async_resolve(options_.host, std::to_string(options_.port), asio::use_awaitable);
    tcp::socket socket(io_);
    co_await asio::async_connect(socket, endpoints, asio::use_awaitable);
    socket.set_option(tcp::no_delay(true));
    socket.set_option(asio::socket_base::keep_alive(true));
    if (options_.ssl_mode == SslMode::disable) {
        transport_ = std::make_unique<SocketTransport<tcp::socket>>(std::move(socket));
        co_return;
    }
    static const std::string request = ssl_request();
    co_await asio::async_write(socket, asio::buffer(request), asio::use_awaitable);
    char answer = 0;
    co_await asio::async_read(socket, asio::buffer(&answer, 1), asio::use_awaitable);
    if (answer != 'S') {
        if (answer != 'N') throw unavailable(options_, "unexpected answer to the TLS request");
        if (options_.ssl_mode != SslMode::prefer)
            throw unavailable(options_, "the server does not support TLS, but sslmode requires it");
        transport_ = std::make_unique<SocketTransport<tcp::socket>>(std::move(socket));
        co_return;
    }
    auto tls = std::make_unique<TlsTransport>(std::move(socket), tls_context(options_));
    auto& stream = tls->stream();
    if (!is_ip_address(options_.host)) SSL_set_tlsext_host_name(stream.native_handle(), options_.host.c_str());
    if (options_.ssl_mode == SslMode::verify_full) stream.set_verify_callback(asio::ssl::host_name_verification(options_.host));
    co_await stream.async_handshake(asio::ssl::stream_base::client, asio::use_awaitable);
    transport_ = std::move(tls);
}

asio::awaitable<void> Connection::authenticate() {
    std::string startup = startup_message({{"user", options_.user},
                                           {"database", options_.database},
                                           {"application_name", options_.application_name},
                                           {"client_encoding", "UTF8"}});
    co_await transport_->write(asio::buffer(startup));
    std::optional<ScramSha256> scram;
    auto need_password = [&] {
        if (options_.password.empty()) throw unavailable(options_, "the server asks for a password; the database URL has none");
    };
    for (;;) {
        Message m = co_await read_message();
        if (m.type == 'E') {
            auto fields = error_fields(m.body);
            throw unavailable(options_, describe_error(fields));
        }
        if (m.type == 'Z') co_return;  // ready for queries
        if (m.type != 'R') continue;   // ParameterStatus, BackendKeyData, notices
        Reader r(m.body);
        std::string reply;
        switch (r.i32()) {
            case 0:  // AuthenticationOk
                break;
            case 3:  // cleartext (only sent over TLS or a trusted network, the server's choice)
                need_password();
                reply = password_message(options_.password);
                break;
            case 5:
                need_password();
                reply = password_message(md5_password(options_.user, options_.password, r.bytes(4)));
                break;
            case 10: {
                bool offered = false;
                for (auto mechanism = r.cstring(); !mechanism.empty(); mechanism = r.cstring())
                    offered = offered || mechanism == "SCRAM-SHA-256";
                if (!offered) throw unavailable(options_, "the server offers no SASL mechanism we support (SCRAM-SHA-256)");
                need_password();
                scram.emplace(options_.password);
                reply = sasl_initial_response("SCRAM-SHA-256", scram->client_first());
                break;
            }
            case 11:
                if (!scram) throw ProtocolError("SASL continue without a SASL exchange");
                reply = sasl_response(scram->client_final(r.rest()));
                break;
            case 12:
                if (!scram) throw ProtocolError("SASL final without a SASL exchange");
                scram->verify_server_final(r.rest());
                break;
            default:
                throw unavailable(options_, "the server asks for an authentication method we do not support "
                                            "(Kerberos/GSSAPI/SSPI); use password authentication");
        }
        if (!reply.empty()) co_await transport_->write(asio::buffer(reply));
    }
}

asio::awaitable<Result> Connection::run(std::string_view sql, const Params& params) {
    std::vector<std::optional<std::string>> values;
    values.reserve(params.size());
    for (const auto& p : params) {
        if (const auto* n = std::get_if<std::int64_t>(&p)) values.emplace_back(std::to_string(*n));
        else if (const auto* s = std::get_if<std::string>(&p)) values.emplace_back(*s);
        else values.emplace_back();
    }
    std::string request = extended_query(sql, values);
    co_await transport_->write(asio::buffer(request));

    Result result;
    std::optional<Error> failure;
    for (;;) {
        Message m = co_await read_message();
        switch (m.type) {
            case 'T':
                *result.columns = row_description(m.body);
                break;
            case 'D':
                result.rows.emplace_back(result.columns.get(), data_row(m.body));
                break;
            case 'C':
                result.affected = affected_rows(Reader(m.body).cstring());
                break;
            case 'E':
                if (!failure) failure.emplace(server_error(m.body));
                break;
            case 'Z':
                if (failure) throw *failure;
                co_return result;
            case '1': case '2': case 'n': case 'I': case 'N': case 'S': case 'A':
                break;  // parse/bind complete, no data, empty query, notices, parameters, notifications
            default:
                throw ProtocolError(std::string("unexpected message '") + m.type + "' during a query");
        }
    }
}

asio::awaitable<Message> Connection::read_message() {
    for (;;) {
        std::size_t needed = 0;
        if (auto m = next_message(std::string_view(input_).substr(consumed_), needed)) {
            consumed_ += needed;
            co_return *m;  // valid until the next read: messages are handled one at a time
        }
        input_.erase(0, consumed_);
        consumed_ = 0;
        std::size_t have = input_.size();
        input_.resize(std::max(have + 8192, needed));
        std::size_t n = co_await transport_->read_some(asio::buffer(input_.data() + have, input_.size() - have));
        input_.resize(have + n);
    }
}

}  // namespace sb::server::db::pg
