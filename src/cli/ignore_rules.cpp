#include "cli/ignore_rules.hpp"

namespace sb::cli {

namespace {

// One component (no '/') against a pattern component: * ? [..] and escapes.
bool match_component(std::string_view p, std::string_view s) {
    std::size_t pi = 0, si = 0;
    std::size_t star_p = std::string_view::npos, star_s = 0;
    while (si < s.size()) {
        if (pi < p.size()) {
            const char c = p[pi];
            if (c == '*') {
                star_p = pi++;
                star_s = si;
                continue;
            }
            if (c == '?') {
                ++pi;
                ++si;
                continue;
            }
            if (c == '[') {
                std::size_t j = pi + 1;
                bool negate = j < p.size() && (p[j] == '!' || p[j] == '^');
                if (negate) ++j;
                bool matched = false, closed = false;
                for (bool first = true; j < p.size(); first = false) {
                    if (p[j] == ']' && !first) {
                        closed = true;
                        break;
                    }
                    char lo = p[j];
                    if (lo == '\\' && j + 1 < p.size()) lo = p[++j];
                    char hi = lo;
                    if (j + 2 < p.size() && p[j + 1] == '-' && p[j + 2] != ']') {
                        hi = p[j + 2];
                        if (hi == '\\' && j + 3 < p.size()) hi = p[++j + 2];
                        j += 2;
                    }
                    if (s[si] >= lo && s[si] <= hi) matched = true;
                    ++j;
                }
                if (closed && matched != negate) {
                    pi = j + 1;
                    ++si;
                    continue;
                }
                if (!closed && s[si] == '[') {  // an unclosed '[' is itself
                    ++pi;
                    ++si;
                    continue;
                }
            } else {
                char literal = c;
                std::size_t width = 1;
                if (c == '\\' && pi + 1 < p.size()) {
                    literal = p[pi + 1];
                    width = 2;
                }
                if (literal == s[si]) {
                    pi += width;
                    ++si;
                    continue;
                }
            }
        }
        if (star_p == std::string_view::npos) return false;
        pi = star_p + 1;
        si = ++star_s;
    }
    while (pi < p.size() && p[pi] == '*') ++pi;
    return pi == p.size();
}

std::vector<std::string_view> split(std::string_view path) {
    std::vector<std::string_view> parts;
    std::size_t start = 0;
    while (start <= path.size()) {
        auto slash = path.find('/', start);
        if (slash == std::string_view::npos) slash = path.size();
        if (slash > start) parts.push_back(path.substr(start, slash - start));
        start = slash + 1;
    }
    return parts;
}

bool match_parts(const std::vector<std::string_view>& p, std::size_t pi, const std::vector<std::string_view>& s, std::size_t si) {
    if (pi == p.size()) return si == s.size();
    if (p[pi] == "**") {
        for (std::size_t k = si; k <= s.size(); ++k)
            if (match_parts(p, pi + 1, s, k)) return true;
        return false;
    }
    return si < s.size() && match_component(p[pi], s[si]) && match_parts(p, pi + 1, s, si + 1);
}

std::string_view trim_trailing_spaces(std::string_view line) {
    while (!line.empty() && (line.back() == ' ' || line.back() == '\t' || line.back() == '\r')) {
        if (line.size() >= 2 && line[line.size() - 2] == '\\') break;  // an escaped space stays
        line.remove_suffix(1);
    }
    return line;
}

// The path below `base`, or nullopt-like "" with false when path is not inside it.
bool below(std::string_view path, std::string_view base, std::string_view& rest) {
    if (base.empty()) {
        rest = path;
        return true;
    }
    if (path.size() <= base.size() || !path.starts_with(base) || path[base.size()] != '/') return false;
    rest = path.substr(base.size() + 1);
    return true;
}

}  // namespace

bool glob_match(std::string_view pattern, std::string_view path) { return match_parts(split(pattern), 0, split(path), 0); }

std::vector<IgnoreRules::Rule> IgnoreRules::parse(std::string_view text, std::string_view base, bool docker) {
    std::vector<Rule> rules;
    std::size_t start = 0;
    while (start < text.size()) {
        auto end = text.find('\n', start);
        if (end == std::string_view::npos) end = text.size();
        auto line = trim_trailing_spaces(text.substr(start, end - start));
        start = end + 1;
        if (docker)
            while (!line.empty() && (line.front() == ' ' || line.front() == '\t')) line.remove_prefix(1);
        if (line.empty() || line.front() == '#') continue;
        Rule r;
        r.base = std::string(base);
        if (line.front() == '!') {
            r.negate = true;
            line.remove_prefix(1);
        } else if (line.starts_with("\\!") || line.starts_with("\\#")) {
            line.remove_prefix(1);
        }
        if (docker) {
            // Docker cleans the pattern as a path: no leading "/" or "./", no trailing "/".
            while (line.starts_with("./")) line.remove_prefix(2);
            while (line.starts_with('/')) line.remove_prefix(1);
            while (line.ends_with('/')) line.remove_suffix(1);
            r.anchored = true;
        } else {
            if (line.ends_with('/')) {
                r.directory_only = true;
                while (line.ends_with('/')) line.remove_suffix(1);
            }
            // A slash at the start or in the middle anchors the pattern to its file's directory.
            r.anchored = line.find('/') != std::string_view::npos;
            while (line.starts_with('/')) line.remove_prefix(1);
        }
        if (line.empty()) continue;
        r.pattern = std::string(line);
        rules.push_back(std::move(r));
    }
    return rules;
}

void IgnoreRules::add_gitignore(std::string_view text, std::string_view base) {
    for (auto& r : parse(text, base, false)) git_.push_back(std::move(r));
}

void IgnoreRules::add_dockerignore(std::string_view text) {
    for (auto& r : parse(text, "", true)) docker_.push_back(std::move(r));
}

bool IgnoreRules::ignored_by_git(std::string_view path, bool directory) const {
    bool out = false;
    for (const auto& r : git_) {
        if (r.directory_only && !directory) continue;
        std::string_view rest;
        if (!below(path, r.base, rest)) continue;
        bool matched = false;
        if (r.anchored) {
            matched = glob_match(r.pattern, rest);
        } else {
            auto slash = rest.rfind('/');
            matched = match_component(r.pattern, slash == std::string_view::npos ? rest : rest.substr(slash + 1));
        }
        if (matched) out = !r.negate;
    }
    return out;
}

bool IgnoreRules::ignored_by_docker(std::string_view path) const {
    bool out = false;
    for (const auto& r : docker_) {
        // The path itself or a directory above it.
        bool matched = false;
        for (std::string_view p = path; !p.empty() && !matched;) {
            matched = glob_match(r.pattern, p);
            auto slash = p.rfind('/');
            p = slash == std::string_view::npos ? std::string_view{} : p.substr(0, slash);
        }
        if (matched) out = !r.negate;
    }
    return out;
}

bool IgnoreRules::ignored(std::string_view path, bool directory) const {
    if (path == ".git" || path.ends_with("/.git")) return true;
    return ignored_by_git(path, directory) || ignored_by_docker(path);
}

bool IgnoreRules::may_take_back_inside(std::string_view directory) const {
    if (directory == ".git" || directory.ends_with("/.git") || ignored_by_git(directory, true)) return false;
    for (const auto& r : docker_)
        if (r.negate) return true;
    return false;
}

}  // namespace sb::cli
