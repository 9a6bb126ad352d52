#include "server/db/pg_protocol.hpp"

#include <charconv>

namespace sb::server::db::pg {
namespace {

void put_i32(std::string& out, std::int32_t v) {
    auto u = static_cast<std::uint32_t>(v);
    out.push_back(static_cast<char>(u >> 24));
    out.push_back(static_cast<char>(u >> 16));
    out.push_back(static_cast<char>(u >> 8));
    out.push_back(static_cast<char>(u));
}
void put_i16(std::string& out, std::int16_t v) {
    auto u = static_cast<std::uint16_t>(v);
    out.push_back(static_cast<char>(u >> 8));
    out.push_back(static_cast<char>(u));
}
void put_cstring(std::string& out, std::string_view s) {
    if (s.find('\0') != std::string_view::npos) throw std::invalid_argument("PostgreSQL strings cannot contain NUL bytes");
    out.append(s);
    out.push_back('\0');
}
std::int32_t read_i32(const char* p) {
    auto b = [&](int i) { return static_cast<std::uint32_t>(static_cast<unsigned char>(p[i])); };
    return static_cast<std::int32_t>(b(0) << 24 | b(1) << 16 | b(2) << 8 | b(3));
}

// A message: type byte (none for the untyped start-up messages), then a
// length that counts itself and the body.
class Builder {
public:
    explicit Builder(std::string& out, char type = 0) : out_(out) {
        if (type != 0) out_.push_back(type);
        length_at_ = out_.size();
        put_i32(out_, 0);
    }
    ~Builder() {
        auto length = static_cast<std::uint32_t>(out_.size() - length_at_);
        for (int i = 0; i < 4; ++i) out_[length_at_ + i] = static_cast<char>(length >> (24 - 8 * i));
    }
    std::string& out() { return out_; }

private:
    std::string& out_;
    std::size_t length_at_;
};

}  // namespace

std::string ssl_request() {
    std::string out;
    Builder m(out);
    put_i32(out, 80877103);
    return out;
}

std::string startup_message(const std::vector<std::pair<std::string, std::string>>& parameters) {
    std::string out;
    {
        Builder m(out);
        put_i32(out, 196608);  // protocol 3.0
        for (const auto& [key, value] : parameters) {
            put_cstring(out, key);
            put_cstring(out, value);
        }
        out.push_back('\0');
    }
    return out;
}

std::string password_message(std::string_view password) {
    std::string out;
    {
        Builder m(out, 'p');
        put_cstring(out, password);
    }
    return out;
}

std::string sasl_initial_response(std::string_view mechanism, std::string_view client_first) {
    std::string out;
    {
        Builder m(out, 'p');
        put_cstring(out, mechanism);
        put_i32(out, static_cast<std::int32_t>(client_first.size()));
        out.append(client_first);
    }
    return out;
}

std::string sasl_response(std::string_view data) {
    std::string out;
    {
        Builder m(out, 'p');
        out.append(data);
    }
    return out;
}

std::string terminate_message() {
    std::string out;
    { Builder m(out, 'X'); }
    return out;
}

std::string extended_query(std::string_view sql, const std::vector<std::optional<std::string>>& parameters) {
    if (parameters.size() > 65535) throw std::invalid_argument("PostgreSQL accepts at most 65535 parameters");
    std::string out;
    out.reserve(sql.size() + 64);
    {
        Builder parse(out, 'P');
        put_cstring(out, "");  // unnamed statement
        put_cstring(out, sql);
        put_i16(out, 0);  // parameter types inferred by the server
    }
    {
        Builder bind(out, 'B');
        put_cstring(out, "");  // unnamed portal
        put_cstring(out, "");
        put_i16(out, 0);  // all parameters in text format
        put_i16(out, static_cast<std::int16_t>(parameters.size()));
        for (const auto& p : parameters) {
            if (!p) {
                put_i32(out, -1);
                continue;
            }
            put_i32(out, static_cast<std::int32_t>(p->size()));
            out.append(*p);
        }
        put_i16(out, 0);  // all results in text format
    }
    {
        Builder describe(out, 'D');
        out.push_back('P');
        put_cstring(out, "");
    }
    {
        Builder execute(out, 'E');
        put_cstring(out, "");
        put_i32(out, 0);  // all rows
    }
    { Builder sync(out, 'S'); }
    return out;
}

std::optional<Message> next_message(std::string_view buffer, std::size_t& bytes_needed) {
    if (buffer.size() < 5) {
        bytes_needed = 5;
        return std::nullopt;
    }
    std::int32_t length = read_i32(buffer.data() + 1);
    if (length < 4 || static_cast<std::size_t>(length) > max_message_bytes)
        throw ProtocolError("PostgreSQL sent a message of invalid length " + std::to_string(length));
    bytes_needed = static_cast<std::size_t>(length) + 1;
    if (buffer.size() < bytes_needed) return std::nullopt;
    return Message{buffer[0], buffer.substr(5, static_cast<std::size_t>(length) - 4)};
}

std::int16_t Reader::i16() {
    auto b = bytes(2);
    return static_cast<std::int16_t>(static_cast<unsigned char>(b[0]) << 8 | static_cast<unsigned char>(b[1]));
}

std::int32_t Reader::i32() { return read_i32(bytes(4).data()); }

std::string_view Reader::cstring() {
    auto end = body_.find('\0', pos_);
    if (end == std::string_view::npos) throw ProtocolError("PostgreSQL message: unterminated string");
    auto s = body_.substr(pos_, end - pos_);
    pos_ = end + 1;
    return s;
}

std::string_view Reader::bytes(std::size_t n) {
    if (body_.size() - pos_ < n) throw ProtocolError("PostgreSQL message: truncated");
    auto s = body_.substr(pos_, n);
    pos_ += n;
    return s;
}

std::string_view Reader::rest() { return bytes(body_.size() - pos_); }

std::map<char, std::string> error_fields(std::string_view body) {
    std::map<char, std::string> fields;
    Reader r(body);
    while (!r.at_end()) {
        char code = r.bytes(1)[0];
        if (code == '\0') break;
        fields[code] = std::string(r.cstring());
    }
    return fields;
}

std::string describe_error(const std::map<char, std::string>& fields) {
    auto field = [&](char c) {
        auto it = fields.find(c);
        return it == fields.end() ? std::string() : it->second;
    };
    std::string text = field('S').empty() ? "ERROR" : field('S');
    text += ": " + field('M');
    if (auto code = field('C'); !code.empty()) text += " (SQLSTATE " + code + ")";
    if (auto detail = field('D'); !detail.empty()) text += ": " + detail;
    return text;
}

std::vector<std::optional<std::string>> data_row(std::string_view body) {
    Reader r(body);
    auto count = r.i16();
    if (count < 0) throw ProtocolError("PostgreSQL DataRow: negative column count");
    std::vector<std::optional<std::string>> values;
    values.reserve(static_cast<std::size_t>(count));
    for (int i = 0; i < count; ++i) {
        auto length = r.i32();
        if (length < 0) values.emplace_back();
        else values.emplace_back(std::string(r.bytes(static_cast<std::size_t>(length))));
    }
    return values;
}

std::vector<std::string> row_description(std::string_view body) {
    Reader r(body);
    auto count = r.i16();
    if (count < 0) throw ProtocolError("PostgreSQL RowDescription: negative column count");
    std::vector<std::string> names;
    names.reserve(static_cast<std::size_t>(count));
    for (int i = 0; i < count; ++i) {
        names.emplace_back(r.cstring());
        r.bytes(18);  // table oid, column number, type oid, size, modifier, format
    }
    return names;
}

std::int64_t affected_rows(std::string_view command_tag) {
    auto space = command_tag.rfind(' ');
    if (space == std::string_view::npos) return 0;
    auto digits = command_tag.substr(space + 1);
    std::int64_t n = 0;
    auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), n);
    return (ec == std::errc() && end == digits.data() + digits.size()) ? n : 0;
}

}  // namespace sb::server::db::pg
