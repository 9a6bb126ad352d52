#include "cli/output.hpp"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

#include "cli/cli_error.hpp"

namespace sb::cli {
namespace {
namespace json = boost::json;

TEST(Table, AlignsColumnsWithTwoSpacesAndNoTrailingBlanks) {
    auto text = render_table({"NAME", "STATUS", "AGE"}, {{"web", "Running", "5m"}, {"worker-long", "Pending", "12d"}}, false);
    EXPECT_EQ(text,
              "NAME         STATUS   AGE\n"
              "web          Running  5m\n"
              "worker-long  Pending  12d\n");
}

TEST(Table, CountsUtf8CharactersNotBytes) {
    auto text = render_table({"NAME", "X"}, {{"café", "1"}, {"ab", "2"}}, false);
    EXPECT_EQ(text, "NAME  X\ncafé  1\nab    2\n");
}

TEST(Table, ColoursOnlyWhenAsked) {
    auto plain = render_table({"STATUS"}, {{"Running"}}, false);
    EXPECT_EQ(plain.find('\033'), std::string::npos);
    auto coloured = render_table({"STATUS"}, {{"Running"}, {"Failed"}}, true);
    EXPECT_NE(coloured.find("\033[32mRunning\033[0m"), std::string::npos) << coloured;
    EXPECT_NE(coloured.find("\033[31mFailed\033[0m"), std::string::npos) << coloured;
}

TEST(Json, IsIndentedAndParsesBack) {
    json::value v = json::parse(R"({"name":"web","env":{"A":"1"},"domains":[],"n":3,"ok":true,"none":null})");
    auto text = render_json(v);
    EXPECT_EQ(json::parse(text), v);
    EXPECT_NE(text.find("\n  \"name\": \"web\""), std::string::npos) << text;
    EXPECT_EQ(text.back(), '\n');
}

TEST(Yaml, KeepsTypesAndQuotesAmbiguousStrings) {
    json::value v = json::parse(R"({"name":"web","replicas":3,"flag":"true","version":"1.0","ok":false,"none":null,"tags":["a","b"]})");
    auto text = render_yaml(v);
    EXPECT_NE(text.find("name: web\n"), std::string::npos) << text;
    EXPECT_NE(text.find("replicas: 3\n"), std::string::npos) << text;
    EXPECT_NE(text.find("flag: \"true\"\n"), std::string::npos) << text;
    EXPECT_NE(text.find("version: \"1.0\"\n"), std::string::npos) << text;
    EXPECT_NE(text.find("ok: false\n"), std::string::npos) << text;
    EXPECT_NE(text.find("none: ~\n"), std::string::npos) << text;
    EXPECT_NE(text.find("- a\n"), std::string::npos) << text;
}

TEST(Age, ReadsLikeKubectl) {
    auto now = std::chrono::system_clock::from_time_t(1'700'000'000);  // 2023-11-14T22:13:20Z
    EXPECT_EQ(age(json::value("2023-11-14T22:12:50Z"), now), "30s");
    EXPECT_EQ(age(json::value("2023-11-14T22:00:00Z"), now), "13m");
    EXPECT_EQ(age(json::value("2023-11-14T10:00:00.123Z"), now), "12h");
    EXPECT_EQ(age(json::value("2023-11-01T00:00:00Z"), now), "13d");
    EXPECT_EQ(age(json::value("2020-01-01T00:00:00Z"), now), "3y");
    EXPECT_EQ(age(json::value(nullptr), now), "<unknown>");
    EXPECT_EQ(age(json::value("yesterday"), now), "<unknown>");
}

TEST(Field, FollowsDottedPaths) {
    auto v = json::parse(R"({"status":{"phase":"Running"},"n":2,"z":null})");
    EXPECT_EQ(field(v, "status.phase"), "Running");
    EXPECT_EQ(field(v, "n"), "2");
    EXPECT_EQ(field(v, "z"), "");
    EXPECT_EQ(field(v, "status.missing"), "");
}

TEST(List, PrintsNamesWhenQuietAndTheArrayAsJson) {
    json::array items{json::object{{"name", "a"}}, json::object{{"name", "b"}}};
    std::vector<Column> columns{{"NAME", [](const json::value& v) { return field(v, "name"); }}};
    EXPECT_EQ(render_list(items, columns, {Format::table, true, false}), "a\nb\n");
    EXPECT_EQ(render_list(items, columns, {Format::table, false, false}), "NAME\na\nb\n");
    EXPECT_EQ(json::parse(render_list(items, columns, {Format::json, false, false})), json::value(items));
}

TEST(Format, RefusesUnknownFormats) {
    EXPECT_EQ(parse_format("json"), Format::json);
    EXPECT_EQ(parse_format("yaml"), Format::yaml);
    EXPECT_EQ(parse_format(""), Format::table);
    EXPECT_THROW(parse_format("xml"), CliError);
}

}  // namespace
}  // namespace sb::cli
