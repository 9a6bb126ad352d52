#pragma once
// Structured logging: one JSON object per line on stderr (or logfmt-like text
// for humans), with a level, a message and typed fields. Thread-safe.
//
//   sb::log::info("reconciled", {{"key", "ns/name"}, {"ms", 12}});
//
// Never pass secrets or tokens as fields.
#include <boost/json/value.hpp>
#include <initializer_list>
#include <string_view>
#include <utility>

namespace sb::log {

enum class Level { debug = 0, info = 1, warn = 2, error = 3 };
enum class Format { json, text };

using Field = std::pair<std::string_view, boost::json::value>;
using Fields = std::initializer_list<Field>;

void set_level(Level level);
void set_format(Format format);
Level level();
// Parses "debug|info|warn|error"; throws std::invalid_argument otherwise.
Level parse_level(std::string_view text);

void write(Level level, std::string_view message, Fields fields = {});
inline void debug(std::string_view m, Fields f = {}) { if (level() <= Level::debug) write(Level::debug, m, f); }
inline void info(std::string_view m, Fields f = {}) { write(Level::info, m, f); }
inline void warn(std::string_view m, Fields f = {}) { write(Level::warn, m, f); }
inline void error(std::string_view m, Fields f = {}) { write(Level::error, m, f); }

}  // namespace sb::log
