#include "common/log.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

namespace sb::log {
namespace {

TEST(Log, JsonLinesCarryLevelMessageAndFields) {
    testing::internal::CaptureStderr();
    set_format(Format::json);
    info("reconciled", {{"key", "ns/name"}, {"ms", 12}});
    std::string out = testing::internal::GetCapturedStderr();
    auto line = boost::json::parse(out).as_object();
    EXPECT_EQ(line.at("level"), "info");
    EXPECT_EQ(line.at("msg"), "reconciled");
    EXPECT_EQ(line.at("key"), "ns/name");
    EXPECT_EQ(line.at("ms"), 12);
    EXPECT_TRUE(line.contains("ts"));
}

TEST(Log, LevelFiltersLowerLevels) {
    set_format(Format::json);
    set_level(Level::warn);
    testing::internal::CaptureStderr();
    info("hidden");
    debug("hidden too");
    warn("shown");
    std::string out = testing::internal::GetCapturedStderr();
    set_level(Level::info);
    EXPECT_EQ(out.find("hidden"), std::string::npos);
    EXPECT_NE(out.find("shown"), std::string::npos);
}

TEST(Log, TextFormatIsKeyValue) {
    set_format(Format::text);
    testing::internal::CaptureStderr();
    error("failed", {{"reason", "boom"}, {"n", 3}});
    std::string out = testing::internal::GetCapturedStderr();
    set_format(Format::json);
    EXPECT_NE(out.find("error failed reason=boom n=3"), std::string::npos) << out;
}

TEST(Log, ParseLevel) {
    EXPECT_EQ(parse_level("debug"), Level::debug);
    EXPECT_EQ(parse_level("warning"), Level::warn);
    EXPECT_THROW(parse_level("loud"), std::invalid_argument);
}

}  // namespace
}  // namespace sb::log
