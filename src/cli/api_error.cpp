#include "cli/api_error.hpp"

#include <boost/json/parse.hpp>

namespace sb::cli {
namespace json = boost::json;

ApiErrorBody parse_api_error(std::string_view body) {
    ApiErrorBody out;
    boost::system::error_code ec;
    auto v = json::parse(body, ec);
    if (ec || !v.is_object()) return out;
    const auto* error = v.as_object().if_contains("error");
    if (!error || !error->is_object()) return out;
    auto text = [&](const char* key) {
        const auto* f = error->as_object().if_contains(key);
        return f && f->is_string() ? std::string(f->as_string()) : std::string();
    };
    out.code = text("code");
    out.message = text("message");
    out.field = text("field");
    return out;
}

namespace {

// A non-JSON body (a proxy's HTML page) is never shown; a short plain-text one may be.
std::string short_text(std::string_view body) {
    if (body.empty() || body.size() > 200 || body.find('<') != std::string_view::npos) return "";
    std::string out;
    for (char c : body) out += (c == '\n' || c == '\r' || c == '\t') ? ' ' : c;
    while (!out.empty() && out.back() == ' ') out.pop_back();
    return out;
}

}  // namespace

CliError api_failure(int status, std::string_view body, std::string_view what, std::string_view server) {
    auto e = parse_api_error(body);
    std::string message = e.message.empty() ? short_text(body) : e.message;
    std::string prefix = what.empty() ? "" : "cannot " + std::string(what) + ": ";
    if (status == 401) {
        std::string why = e.code == "token_expired" ? "your API token has expired" : "the server does not accept your credentials";
        if (e.code == "invalid_credentials") return CliError(ExitCode::auth, "e-mail or password is wrong");
        return CliError(ExitCode::auth, why + " (revoked or expired token?): run sb login " + std::string(server));
    }
    if (status == 403) {
        if (e.code == "licence_limit") return CliError(ExitCode::error, prefix + message);
        return CliError(ExitCode::auth, prefix + (message.empty() ? "not allowed" : message));
    }
    if (status == 404 && e.message.starts_with("no such endpoint"))
        return CliError(ExitCode::error, prefix + "the server at " + std::string(server) +
                                             " does not offer this yet (" + e.message + "): upgrade the server");
    if (status == 404) return CliError(ExitCode::not_found, prefix + (message.empty() ? "not found" : message));
    if (status == 429) return CliError(ExitCode::error, prefix + (message.empty() ? "too many requests; retry later" : message));
    if (status >= 500) {
        std::string line = "the server at " + std::string(server) + " failed (HTTP " + std::to_string(status) + ")";
        if (!message.empty() && message != "internal error") line += ": " + message;
        return CliError(ExitCode::error, prefix + line + "; retry, or ask its administrator to look at its log");
    }
    if (!e.field.empty() && message.find(e.field) == std::string::npos) message = e.field + ": " + message;
    if (message.empty()) message = "the server answered HTTP " + std::to_string(status);
    return CliError(ExitCode::error, prefix + message);
}

}  // namespace sb::cli
