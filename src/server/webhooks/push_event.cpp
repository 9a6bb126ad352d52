#include "server/webhooks/push_event.hpp"

#include <boost/json/parse.hpp>

#include <algorithm>
#include <cctype>

#include "server/core/api_error.hpp"

namespace sb::server::webhooks {

namespace json = boost::json;

namespace {

constexpr std::size_t kMaxRefLength = 1024;
constexpr std::size_t kMaxUrlLength = 2048;

json::object parse_object(std::string_view body) {
    boost::system::error_code ec;
    json::parse_options options;
    options.max_depth = 64;
    auto v = json::parse(body, ec, {}, options);
    if (ec) throw invalid_field("body", "the delivery's body is not JSON (" + ec.message() + "): set the webhook's content type to application/json");
    if (!v.is_object()) throw invalid_field("body", "the delivery's body must be a JSON object");
    return std::move(v.as_object());
}

const json::object* object_at(const json::object& o, std::string_view key) {
    const auto* v = o.if_contains(key);
    return v && v->is_object() ? &v->get_object() : nullptr;
}

std::string required_string(const json::object& o, std::string_view key, const std::string& field, std::size_t max_length) {
    const auto* v = o.if_contains(key);
    if (!v || !v->is_string()) throw invalid_field(field, "the push payload has no " + field + " string");
    if (v->get_string().size() > max_length)
        throw invalid_field(field, field + " is longer than " + std::to_string(max_length) + " characters");
    return std::string(v->get_string());
}

bool all_zero(std::string_view sha) {
    return !sha.empty() && std::all_of(sha.begin(), sha.end(), [](char c) { return c == '0'; });
}

std::string checked_commit(std::string sha, const std::string& field) {
    for (auto& c : sha) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (!is_full_commit_sha(sha)) throw invalid_field(field, field + " must be a full commit SHA (40 or 64 hex digits)");
    return sha;
}

void add_urls(const json::object* o, std::initializer_list<std::string_view> keys, std::vector<std::string>& out) {
    if (!o) return;
    for (auto key : keys)
        if (const auto* v = o->if_contains(key); v && v->is_string() && !v->get_string().empty() &&
                                                 v->get_string().size() <= kMaxUrlLength)
            out.emplace_back(v->get_string());
}

// GitHub, Gitea, Forgejo and GitLab: one ref per delivery.
PushEvent parse_single_ref(Forge forge, const json::object& o) {
    PushEvent e;
    RefUpdate u;
    u.ref = required_string(o, "ref", "ref", kMaxRefLength);
    std::string after = required_string(o, "after", "after", 128);
    bool deleted = all_zero(after);
    if (const auto* d = o.if_contains("deleted"); d && d->is_bool() && d->get_bool()) deleted = true;
    if (forge == Forge::gitlab) {
        // checkout_sha is null when the push deleted the ref.
        if (const auto* c = o.if_contains("checkout_sha"); c && c->is_string() && !c->get_string().empty()) {
            if (!deleted) after = std::string(c->get_string());
        }
        add_urls(object_at(o, "project"), {"git_http_url", "git_ssh_url", "web_url"}, e.repository_urls);
        add_urls(object_at(o, "repository"), {"git_http_url", "git_ssh_url", "homepage"}, e.repository_urls);
    } else {
        add_urls(object_at(o, "repository"), {"clone_url", "html_url", "ssh_url"}, e.repository_urls);
    }
    if (!deleted) u.commit = checked_commit(std::move(after), forge == Forge::gitlab ? "checkout_sha" : "after");
    e.updates.push_back(std::move(u));
    return e;
}

PushEvent parse_bitbucket(const json::object& o) {
    PushEvent e;
    const auto* push = object_at(o, "push");
    if (!push) throw invalid_field("push", "the push payload has no push object");
    const auto* changes = push->if_contains("changes");
    if (!changes || !changes->is_array()) throw invalid_field("push.changes", "the push payload has no push.changes array");
    const auto& list = changes->get_array();
    if (list.size() > 1000) throw invalid_field("push.changes", "push.changes holds more than 1000 changes");
    for (std::size_t i = 0; i < list.size(); ++i) {
        std::string field = "push.changes[" + std::to_string(i) + "]";
        if (!list[i].is_object()) throw invalid_field(field, field + " must be an object");
        const auto& change = list[i].get_object();
        // "new" is null when the push deleted the ref; "old" names it then.
        const auto* now = object_at(change, "new");
        const auto* ref = now ? now : object_at(change, "old");
        if (!ref) throw invalid_field(field + ".new", field + " has neither a new nor an old ref");
        std::string side = field + (now ? ".new" : ".old");
        auto type = required_string(*ref, "type", side + ".type", 64);
        auto name = required_string(*ref, "name", side + ".name", kMaxRefLength);
        RefUpdate u;
        u.ref = type == "branch" ? "refs/heads/" + name : type == "tag" ? "refs/tags/" + name : type + ":" + name;
        if (now) {
            const auto* target = object_at(*now, "target");
            if (!target) throw invalid_field(side + ".target", "the push payload has no " + side + ".target object");
            u.commit = checked_commit(required_string(*target, "hash", side + ".target.hash", 128), side + ".target.hash");
        }
        e.updates.push_back(std::move(u));
    }
    if (const auto* repo = object_at(o, "repository")) {
        if (const auto* links = object_at(*repo, "links")) add_urls(object_at(*links, "html"), {"href"}, e.repository_urls);
        if (const auto* full = repo->if_contains("full_name"); full && full->is_string() && full->get_string().size() < 512)
            e.repository_urls.push_back("https://bitbucket.org/" + std::string(full->get_string()));
    }
    return e;
}

}  // namespace

bool is_full_commit_sha(std::string_view text) {
    return (text.size() == 40 || text.size() == 64) &&
           std::all_of(text.begin(), text.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

PushEvent parse_push(Forge forge, std::string_view body) {
    auto o = parse_object(body);
    return forge == Forge::bitbucket ? parse_bitbucket(o) : parse_single_ref(forge, o);
}

std::string repository_key(std::string_view url) {
    std::string_view rest = url;
    std::string host, path;
    if (auto scheme = rest.find("://"); scheme != std::string_view::npos) {
        rest.remove_prefix(scheme + 3);
        auto slash = rest.find('/');
        if (slash == std::string_view::npos) return {};
        std::string_view authority = rest.substr(0, slash);
        if (auto at = authority.rfind('@'); at != std::string_view::npos) authority.remove_prefix(at + 1);
        if (auto colon = authority.rfind(':'); colon != std::string_view::npos && authority.find(']') == std::string_view::npos)
            authority = authority.substr(0, colon);
        host = std::string(authority);
        path = std::string(rest.substr(slash + 1));
    } else {
        // scp-like: [user@]host:path
        auto colon = rest.find(':');
        if (colon == std::string_view::npos || rest.substr(0, colon).find('/') != std::string_view::npos) return {};
        std::string_view authority = rest.substr(0, colon);
        if (auto at = authority.rfind('@'); at != std::string_view::npos) authority.remove_prefix(at + 1);
        host = std::string(authority);
        path = std::string(rest.substr(colon + 1));
    }
    if (auto q = path.find_first_of("?#"); q != std::string::npos) path.resize(q);
    while (path.ends_with('/')) path.pop_back();
    if (path.ends_with(".git")) path.resize(path.size() - 4);
    while (!path.empty() && path.front() == '/') path.erase(0, 1);
    if (host.empty() || path.empty()) return {};
    std::string key = host + "/" + path;
    for (auto& c : key) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return key;
}

}  // namespace sb::server::webhooks
