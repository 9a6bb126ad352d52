#pragma once
// Strict decoding of JSON request bodies: every field is typed, every
// unknown field is refused, and every error names the field.
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace sb::server {

struct StringRule {
    std::size_t max_length = 256;
    bool allow_empty = true;
};

class BodyReader {
public:
    // Parses a request body that must be a JSON object (an empty body is {}).
    static BodyReader parse(std::string_view body);
    BodyReader(boost::json::object object, std::string prefix) : object_(std::move(object)), prefix_(std::move(prefix)) {}

    bool has(std::string_view key) const;
    std::optional<std::string> string(std::string_view key, StringRule rule = {});
    std::string required_string(std::string_view key, StringRule rule = {});
    std::optional<bool> boolean(std::string_view key);
    std::optional<std::int64_t> integer(std::string_view key, std::int64_t min, std::int64_t max);
    std::optional<std::vector<std::string>> string_list(std::string_view key, std::size_t max_items, StringRule rule = {});
    std::optional<BodyReader> object(std::string_view key);
    // Raw access for free-form maps (env vars, helm values).
    std::optional<boost::json::object> raw_object(std::string_view key);
    // Fails on the first field that no accessor asked for.
    void finish() const;
    std::string path(std::string_view key) const { return prefix_ + std::string(key); }

private:
    const boost::json::value* lookup(std::string_view key);
    boost::json::object object_;
    std::string prefix_;
    std::set<std::string, std::less<>> seen_;
};

// Kubernetes-compatible names: DNS labels, lower case, at most 63 chars.
void validate_name(const std::string& field, const std::string& value);
void validate_email(const std::string& field, const std::string& value);
// Environment variable keys: [A-Za-z_][A-Za-z0-9_]*.
void validate_env_key(const std::string& field, const std::string& value);

}  // namespace sb::server
