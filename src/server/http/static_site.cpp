#include "server/http/static_site.hpp"

#include <fstream>
#include <sstream>
#include <stdexcept>
#include <unistd.h>

namespace sb::server {
namespace fs = std::filesystem;

namespace {

std::string read_all(const fs::path& file) {
    std::ifstream in(file, std::ios::binary);
    if (!in) throw std::runtime_error("cannot read UI file " + file.string());
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

std::string content_type_of(const std::string& path) {
    static const std::map<std::string, std::string> by_extension{
        {".html", "text/html; charset=utf-8"},   {".js", "text/javascript; charset=utf-8"},
        {".mjs", "text/javascript; charset=utf-8"}, {".css", "text/css; charset=utf-8"},
        {".json", "application/json"},           {".svg", "image/svg+xml"},
        {".png", "image/png"},                   {".ico", "image/x-icon"},
        {".webmanifest", "application/manifest+json"}, {".txt", "text/plain; charset=utf-8"},
        {".woff2", "font/woff2"},                {".map", "application/json"}};
    auto ext = fs::path(path).extension().string();
    auto it = by_extension.find(ext);
    return it == by_extension.end() ? "application/octet-stream" : it->second;
}

bool accepts_gzip(const Request& request) {
    auto value = request.header("accept-encoding");
    return value && value->find("gzip") != std::string_view::npos;
}

// Letters, digits and the punctuation of host[:port] and [v6]:port: anything
// else is left out of the policy rather than echoed into a header.
bool plain_host(std::string_view host) {
    if (host.empty() || host.size() > 255) return false;
    for (char c : host)
        if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == ':' || c == '[' || c == ']'))
            return false;
    return true;
}

constexpr const char* kNotBuiltPage = R"(<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>ShapeBlock: UI not built</title></head>
<body><h1>The web UI is not built</h1>
<p>This shapeblock-server was built without its web UI (npm was not available, or the UI directory is missing).
The REST API works: see <a href="/api/v1/openapi.json">/api/v1/openapi.json</a>.</p>
<p>To build the UI: <code>cd web &amp;&amp; npm ci &amp;&amp; npm run build</code>, then rebuild, or start the server with
<code>--ui-dir web/dist</code>.</p></body></html>
)";

}  // namespace

StaticSite StaticSite::load(const fs::path& root) {
    StaticSite site;
    site.root_ = root;
    std::error_code ec;
    if (!fs::is_directory(root, ec)) return site;
    for (const auto& entry : fs::recursive_directory_iterator(root)) {
        if (!entry.is_regular_file()) continue;
        auto relative = fs::relative(entry.path(), root).generic_string();
        if (relative.ends_with(".gz")) continue;
        File file{content_type_of(relative), read_all(entry.path()), std::nullopt};
        auto gz = entry.path();
        gz += ".gz";
        if (fs::is_regular_file(gz)) file.gzipped = read_all(gz);
        site.files_.emplace("/" + relative, std::move(file));
    }
    return site;
}

void StaticSite::add_security_headers(Response& response, std::string_view host) {
    std::string connect = "'self'";
    if (plain_host(host)) connect += " ws://" + std::string(host) + " wss://" + std::string(host);
    response.with_header("Content-Security-Policy",
                         "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
                         "connect-src " + connect + "; object-src 'none'; base-uri 'none'; form-action 'self'; "
                         "frame-ancestors 'none'");
    response.with_header("X-Frame-Options", "DENY");
    response.with_header("Referrer-Policy", "no-referrer");
    response.with_header("Cross-Origin-Opener-Policy", "same-origin");
}

Response StaticSite::respond(const Request& request, const std::string& path, const File& file) const {
    Response response;
    response.status = 200;
    response.content_type = file.content_type;
    bool gzip = file.gzipped && accepts_gzip(request);
    response.body = gzip ? *file.gzipped : file.body;
    if (gzip) response.with_header("Content-Encoding", "gzip");
    if (file.gzipped) response.with_header("Vary", "Accept-Encoding");
    // Vite names assets by their content hash: a changed file is a new name.
    bool hashed = path.starts_with("/assets/");
    response.with_header("Cache-Control", hashed ? "public, max-age=31536000, immutable" : "no-cache");
    add_security_headers(response, request.header("host").value_or(""));
    return response;
}

std::optional<Response> StaticSite::serve(const Request& request) const {
    if (request.method != "GET" && request.method != "HEAD") return std::nullopt;
    const auto& path = request.path;
    if (path.starts_with("/api/") || path == "/api") return std::nullopt;
    if (!built()) {
        if (path != "/" && path != "/index.html") return std::nullopt;
        Response page{503, "text/html; charset=utf-8", kNotBuiltPage, {}};
        page.with_header("Cache-Control", "no-cache");
        add_security_headers(page, request.header("host").value_or(""));
        return page;
    }
    if (auto it = files_.find(path); it != files_.end()) return respond(request, path, it->second);
    // A missing asset or file (a name with an extension) is a real 404; any
    // other path is one of the UI's own pages.
    auto last = path.substr(path.rfind('/') + 1);
    if (path.starts_with("/assets/") || last.find('.') != std::string::npos) return std::nullopt;
    return respond(request, "/index.html", files_.at("/index.html"));
}

fs::path default_ui_dir() {
    std::error_code ec;
    auto exe = fs::read_symlink("/proc/self/exe", ec);
    if (ec) return "ui";
    auto beside = exe.parent_path() / "ui";
    if (fs::is_directory(beside, ec)) return beside;
    auto installed = exe.parent_path().parent_path() / "share" / "shapeblock" / "ui";
    if (fs::is_directory(installed, ec)) return installed;
    return beside;
}

}  // namespace sb::server
