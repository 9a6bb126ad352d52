#pragma once
// What commands print: kubectl-style tables for people, JSON or YAML for
// scripts (-o json|yaml), names only with --quiet. Colour only when asked
// for by the terminal (see terminal.hpp). No I/O except print_*.
#include <boost/json/value.hpp>

#include <chrono>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace sb::cli {

enum class Format { table, json, yaml };
// "table", "json", "yaml" (also "wide" is not offered); throws CliError(usage) otherwise.
Format parse_format(std::string_view text);

struct OutputStyle {
    Format format = Format::table;
    bool quiet = false;
    bool color = false;
};

// Two spaces between columns, headers in capitals, last column not padded.
// With colour, the header row is dim and STATUS-like cells are coloured.
std::string render_table(const std::vector<std::string>& headers, const std::vector<std::vector<std::string>>& rows,
                         bool color);
std::string render_json(const boost::json::value& v);  // indented, ends with a newline
std::string render_yaml(const boost::json::value& v);  // ends with a newline

// "45s", "12m", "5h", "3d", "2y"; "<unknown>" when the time is absent or bad.
std::string age(const boost::json::value& rfc3339, std::chrono::system_clock::time_point now);

// The colour of a phase (Running green, Failed red, Pending yellow...), "" for none.
std::string_view phase_color(std::string_view phase);
std::string paint(std::string_view text, std::string_view ansi, bool color);

// A string field by dotted path ("status.phase"), "" when absent; numbers and
// booleans as text, null as "".
std::string field(const boost::json::value& v, std::string_view dotted);

struct Column {
    std::string header;
    std::function<std::string(const boost::json::value&)> cell;
};
// A list: a table of `columns`, or the whole array as JSON/YAML, or with
// quiet the `key` field of each item, one a line.
std::string render_list(const boost::json::array& items, const std::vector<Column>& columns, const OutputStyle& style,
                        std::string_view key = "name");
// One object: JSON/YAML as is, or `pairs` as "Key:  value" lines for people.
std::string render_object(const boost::json::value& object, const std::vector<Column>& pairs, const OutputStyle& style,
                          std::string_view key = "name");

}  // namespace sb::cli
