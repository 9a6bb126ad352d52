#include "common/log.hpp"

#include <atomic>
#include <boost/json/serialize.hpp>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <mutex>
#include <stdexcept>
#include <string>

namespace sb::log {
namespace {

std::atomic<Level> g_level{Level::info};
std::atomic<Format> g_format{Format::json};
std::mutex g_write_mutex;

const char* level_name(Level level) {
    switch (level) {
        case Level::debug: return "debug";
        case Level::info: return "info";
        case Level::warn: return "warn";
        case Level::error: return "error";
    }
    return "info";
}

std::string timestamp() {
    auto now = std::chrono::system_clock::now();
    auto secs = std::chrono::system_clock::to_time_t(now);
    auto millis = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
    std::tm tm{};
    gmtime_r(&secs, &tm);
    char buf[96];
    std::snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
                  tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(millis));
    return buf;
}

std::string format_json(Level level, std::string_view message, Fields fields) {
    boost::json::object line;
    line["ts"] = timestamp();
    line["level"] = level_name(level);
    line["msg"] = message;
    for (const auto& [key, value] : fields) line[key] = value;
    return boost::json::serialize(line);
}

std::string format_text(Level level, std::string_view message, Fields fields) {
    std::string line = timestamp() + " " + level_name(level) + " " + std::string(message);
    for (const auto& [key, value] : fields) {
        line += " ";
        line += key;
        line += "=";
        line += value.is_string() ? std::string(value.as_string()) : boost::json::serialize(value);
    }
    return line;
}

}  // namespace

void set_level(Level level) { g_level.store(level); }
void set_format(Format format) { g_format.store(format); }
Level level() { return g_level.load(std::memory_order_relaxed); }

Level parse_level(std::string_view text) {
    if (text == "debug") return Level::debug;
    if (text == "info") return Level::info;
    if (text == "warn" || text == "warning") return Level::warn;
    if (text == "error") return Level::error;
    throw std::invalid_argument("unknown log level '" + std::string(text) + "' (expected debug, info, warn or error)");
}

void write(Level lvl, std::string_view message, Fields fields) {
    if (lvl < level()) return;
    std::string line = g_format.load() == Format::json ? format_json(lvl, message, fields)
                                                       : format_text(lvl, message, fields);
    line += '\n';
    std::lock_guard lock(g_write_mutex);
    std::fwrite(line.data(), 1, line.size(), stderr);
    std::fflush(stderr);
}

}  // namespace sb::log
