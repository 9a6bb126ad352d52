// BodyReader names the offending field; names refuse traversal and odd characters.
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <functional>

#include "server/core/api_error.hpp"
#include "server/core/json_input.hpp"

namespace sb::server {
namespace {

std::string field_of(const std::function<void()>& f) {
    try {
        f();
    } catch (const ApiError& e) {
        return e.code() + ":" + e.field();
    }
    return "no error";
}

TEST(BodyReader, NamesTheOffendingField) {
    EXPECT_EQ(field_of([] { BodyReader::parse("{not json"); }), "invalid_json:");
    EXPECT_EQ(field_of([] { BodyReader::parse("[1,2]"); }), "invalid_json:");
    EXPECT_EQ(field_of([] { BodyReader::parse(R"({"name": 5})").required_string("name"); }), "invalid_field:name");
    EXPECT_EQ(field_of([] { BodyReader::parse("{}").required_string("name"); }), "invalid_field:name");
    EXPECT_EQ(field_of([] {
                  auto b = BodyReader::parse(R"({"name": "a", "extra": 1})");
                  b.required_string("name");
                  b.finish();
              }),
              "unknown_field:extra");
    EXPECT_EQ(field_of([] {
                  auto b = BodyReader::parse(R"({"git": {"url": 3}})");
                  b.object("git")->string("url");
              }),
              "invalid_field:git.url");
    EXPECT_EQ(field_of([] { BodyReader::parse(R"({"n": 99999999999999999999})").integer("n", 0, 10); }), "invalid_field:n");
    EXPECT_EQ(field_of([] { BodyReader::parse(std::string(1000, '[') + std::string(1000, ']')); }), "invalid_json:");
    EXPECT_EQ(field_of([] { BodyReader::parse(R"({"message": "a\u0000b"})").string("message"); }), "invalid_field:message");
    EXPECT_EQ(field_of([] { BodyReader::parse(R"({"domains": ["ok", "x\u0000"]})").string_list("domains", 5); }),
              "invalid_field:domains[1]");
}

TEST(Names, RefuseTraversalAndOddCharacters) {
    for (std::string bad : std::vector<std::string>{"../etc", "a/b", "", "UPPER", "-lead", "trail-", std::string(64, 'a'), "a..b", "a b", "é"})
        EXPECT_EQ(field_of([&] { validate_name("name", bad); }), "invalid_field:name") << bad;
    EXPECT_EQ(field_of([] { validate_name("name", "web-1"); }), "no error");
}

}  // namespace
}  // namespace sb::server
