#pragma once
// A push delivery's body, decoded the same way for every forge: which refs
// moved to which commits, and which repository they are in. Pure (tests,
// tests/fuzz); bad input throws ApiError invalid_field naming the field.
#include <string>
#include <string_view>
#include <vector>

#include "server/webhooks/forge.hpp"

namespace sb::server::webhooks {

struct RefUpdate {
    std::string ref;     // "refs/heads/main", "refs/tags/v1"
    std::string commit;  // the full SHA the ref points at now; empty when the push deleted it
};

struct PushEvent {
    std::vector<RefUpdate> updates;  // one, except on Bitbucket where a push may move several refs
    std::vector<std::string> repository_urls;  // the repository's clone and web URLs, as sent
};

// GitHub, Gitea and Forgejo: ref, after, deleted, repository.{clone_url,
// html_url, ssh_url}. GitLab: ref, after, checkout_sha, project/repository
// .{git_http_url, git_ssh_url, web_url}. Bitbucket Cloud:
// push.changes[].new.{type, name, target.hash}, repository.links.html.href.
PushEvent parse_push(Forge forge, std::string_view body);

// A full commit SHA: 40 (SHA-1) or 64 (SHA-256) lower-case hex digits.
bool is_full_commit_sha(std::string_view text);

// "host/owner/repo" in lower case from an https, ssh or scp-like
// (git@host:owner/repo.git) URL, without port, credentials or ".git";
// "" when it is not one. Two URLs of one repository give the same key.
std::string repository_key(std::string_view url);

}  // namespace sb::server::webhooks
