#pragma once
// What `sb push --path DIR` leaves out of the upload, as git and docker
// would: the rules of every .gitignore in the tree (gitignore(5): patterns
// relative to their file's directory, a slash anchoring them, a trailing
// slash for directories only, `**`, `!` re-including, the last match
// winning, nothing re-included inside an ignored directory) and of the
// root's .dockerignore (Docker's: patterns relative to the root, a pattern
// matching a directory covering everything in it, `!` exceptions). The
// `.git` directory is always left out.
#include <string>
#include <string_view>
#include <vector>

namespace sb::cli {

// fnmatch-like on '/'-separated paths: `*` and `?` stay within one
// component, `[...]` is a class (`!` or `^` negates), `**` as a whole
// component matches any number of components (none included), `\` escapes.
bool glob_match(std::string_view pattern, std::string_view path);

class IgnoreRules {
public:
    // A .gitignore's text; `base` is its directory relative to the root ("" for the root).
    void add_gitignore(std::string_view text, std::string_view base);
    void add_dockerignore(std::string_view text);

    // Whether `path` (relative to the root, '/'-separated, no leading "./")
    // is left out; `directory` says it names a directory.
    bool ignored(std::string_view path, bool directory) const;
    // Whether an ignored directory must still be walked because a
    // .dockerignore exception may take something inside it back.
    bool may_take_back_inside(std::string_view directory) const;

private:
    struct Rule {
        std::string base;     // gitignore: its file's directory; dockerignore: ""
        std::string pattern;  // without '!' and trailing '/'
        bool negate = false;
        bool directory_only = false;
        bool anchored = false;  // gitignore: matched against the path below base, not any basename
    };
    static std::vector<Rule> parse(std::string_view text, std::string_view base, bool docker);
    bool ignored_by_git(std::string_view path, bool directory) const;
    bool ignored_by_docker(std::string_view path) const;

    std::vector<Rule> git_, docker_;
};

}  // namespace sb::cli
