#include "server/api/log_stream.hpp"

#include <gtest/gtest.h>

#include "common/rfc3339.hpp"
#include "server/core/api_error.hpp"

namespace sb::server::api {
namespace {

std::string field_of(const std::function<void()>& f) {
    try {
        f();
    } catch (const ApiError& e) {
        return e.field();
    }
    return "(no error)";
}

TEST(LogStream, SinceTakesDurationsAndPastTimes) {
    EXPECT_EQ(parse_since("10s", "since"), 10);
    EXPECT_EQ(parse_since("5m", "since"), 300);
    EXPECT_EQ(parse_since("2h", "since"), 7200);
    auto hour_ago = sb::format_rfc3339(std::chrono::system_clock::now() - std::chrono::hours(1));
    auto seconds = parse_since(hour_ago, "since");
    EXPECT_GE(seconds, 3599);
    EXPECT_LE(seconds, 3700);
    for (const char* bad : {"", "s", "10", "-5m", "0s", "5d", "1.5h", "99999999h", "2200-01-01T00:00:00Z", "yesterday"})
        EXPECT_EQ(field_of([&] { parse_since(bad, "since"); }), "since") << bad;
}

TEST(LogStream, TailFollowAndPodAreChecked) {
    EXPECT_EQ(parse_tail("0", "tail"), 0);
    EXPECT_EQ(parse_tail("100000", "tail"), 100000);
    for (const char* bad : {"", "-1", "100001", "1e3", "five", " 5"})
        EXPECT_EQ(field_of([&] { parse_tail(bad, "tail"); }), "tail") << bad;
    EXPECT_TRUE(parse_follow("true", "follow"));
    EXPECT_TRUE(parse_follow("1", "follow"));
    EXPECT_FALSE(parse_follow("false", "follow"));
    EXPECT_EQ(field_of([&] { parse_follow("yes", "follow"); }), "follow");
    check_pod_name("web-7d9f8b-x2k4q", "pod");
    for (const char* bad : {"", "Web", "-web", "web-", "web_1", "a/b"})
        EXPECT_EQ(field_of([&] { check_pod_name(bad, "pod"); }), "pod") << bad;
}

TEST(LogStream, EntriesAreWrittenAsTextOrNdjson) {
    agent::LogTap::Entry entry{"web-1", "web", "one\n\"two\"\n", 0};
    EXPECT_EQ(format_entry(entry, LogFormat::text, true), "[web-1] one\n[web-1] \"two\"\n");
    EXPECT_EQ(format_entry(entry, LogFormat::text, false), "one\n\"two\"\n");
    EXPECT_EQ(format_entry(entry, LogFormat::ndjson, true),
              "{\"pod\":\"web-1\",\"container\":\"web\",\"line\":\"one\"}\n"
              "{\"pod\":\"web-1\",\"container\":\"web\",\"line\":\"\\\"two\\\"\"}\n");
    agent::LogTap::Entry last_without_newline{"web-1", "web", "a\nb", 0};
    EXPECT_EQ(format_entry(last_without_newline, LogFormat::text, false), "a\nb\n");
    agent::LogTap::Entry marker{"web-1", "web", "", 42};
    EXPECT_EQ(format_entry(marker, LogFormat::text, true),
              "[shapeblock] 42 log lines dropped: this client read more slowly than the app wrote\n");
    EXPECT_EQ(format_entry(marker, LogFormat::ndjson, true),
              "{\"dropped\":42,\"message\":\"42 log lines dropped: this client read more slowly than the app wrote\"}\n");
    EXPECT_EQ(format_end("", LogFormat::text), "");
    EXPECT_EQ(format_end("gone", LogFormat::text), "[shapeblock] log stream ended: gone\n");
    EXPECT_EQ(format_end("gone", LogFormat::ndjson), "{\"error\":\"gone\"}\n");
}

}  // namespace
}  // namespace sb::server::api
