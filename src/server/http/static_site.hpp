#pragma once
// The web UI's files (web/, built by Vite): read once from a directory at
// start and served from memory outside /api. Hashed assets (/assets/*) are
// immutable, everything else is revalidated; a file with a pre-compressed
// ".gz" sibling is sent gzipped to clients that accept it. Every response
// carries the UI's security headers (Content-Security-Policy without
// 'unsafe-inline', frame-ancestors 'none', nosniff, Referrer-Policy). A
// path that names no file gets index.html (the UI routes in the browser).
// Without a built UI, "/" explains how to build it.
#include <filesystem>
#include <map>
#include <optional>
#include <string>

#include "server/http/message.hpp"

namespace sb::server {

class StaticSite {
public:
    // Loads every regular file under `root` (an absent directory gives the
    // "UI not built" page). Throws when a file cannot be read.
    static StaticSite load(const std::filesystem::path& root);

    bool built() const { return files_.contains("/index.html"); }
    std::size_t file_count() const { return files_.size(); }

    // The answer to a GET or HEAD outside /api; nullopt for paths the UI
    // does not own (they get the API's 404).
    std::optional<Response> serve(const Request& request) const;

    // The headers every UI response carries; `host` is the request's Host
    // (connect-src names its ws:// and wss:// origins).
    static void add_security_headers(Response& response, std::string_view host);

private:
    struct File {
        std::string content_type;
        std::string body;
        std::optional<std::string> gzipped;
    };
    Response respond(const Request& request, const std::string& path, const File& file) const;
    std::map<std::string, File> files_;  // "/index.html", "/assets/index-abc123.js", ...
    std::filesystem::path root_;
};

// The UI directory the server uses when none is configured: `ui` beside the
// executable, else ../share/shapeblock/ui from it (an installed layout).
std::filesystem::path default_ui_dir();

}  // namespace sb::server
