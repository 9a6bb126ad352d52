#include "cli/output.hpp"

#include <yaml-cpp/yaml.h>

#include <boost/json/serialize.hpp>

#include <algorithm>
#include <ctime>

#include "cli/cli_error.hpp"

namespace sb::cli {
namespace json = boost::json;

Format parse_format(std::string_view text) {
    if (text == "table" || text.empty()) return Format::table;
    if (text == "json") return Format::json;
    if (text == "yaml") return Format::yaml;
    throw CliError(ExitCode::usage, "-o must be table, json or yaml (got \"" + std::string(text) + "\")");
}

namespace {

std::size_t display_width(std::string_view s) {
    std::size_t n = 0;
    for (unsigned char c : s)
        if ((c & 0xC0) != 0x80) ++n;  // count UTF-8 lead bytes only
    return n;
}

void json_pretty(std::string& out, const json::value& v, int indent) {
    std::string pad(static_cast<std::size_t>(indent) * 2, ' ');
    if (v.is_object()) {
        const auto& o = v.get_object();
        if (o.empty()) {
            out += "{}";
            return;
        }
        out += "{\n";
        std::size_t i = 0;
        for (const auto& [k, item] : o) {
            out += pad + "  " + json::serialize(json::string(k)) + ": ";
            json_pretty(out, item, indent + 1);
            out += ++i < o.size() ? ",\n" : "\n";
        }
        out += pad + "}";
    } else if (v.is_array()) {
        const auto& a = v.get_array();
        if (a.empty()) {
            out += "[]";
            return;
        }
        out += "[\n";
        for (std::size_t i = 0; i < a.size(); ++i) {
            out += pad + "  ";
            json_pretty(out, a[i], indent + 1);
            out += i + 1 < a.size() ? ",\n" : "\n";
        }
        out += pad + "]";
    } else {
        out += json::serialize(v);
    }
}

void emit_yaml(YAML::Emitter& out, const json::value& v) {
    switch (v.kind()) {
        case json::kind::object:
            out << YAML::BeginMap;
            for (const auto& [k, item] : v.get_object()) {
                out << YAML::Key << std::string(k) << YAML::Value;
                emit_yaml(out, item);
            }
            out << YAML::EndMap;
            break;
        case json::kind::array:
            out << YAML::BeginSeq;
            for (const auto& item : v.get_array()) emit_yaml(out, item);
            out << YAML::EndSeq;
            break;
        case json::kind::string: {
            std::string s(v.get_string());
            // Strings YAML would read as another type keep their quotes.
            bool ambiguous = s.empty() || s == "true" || s == "false" || s == "null" || s == "yes" || s == "no" ||
                             s == "~" || s.find_first_not_of("0123456789.-+eE") == std::string::npos;
            if (ambiguous) out << YAML::DoubleQuoted << s;
            else out << s;
            break;
        }
        case json::kind::bool_: out << v.get_bool(); break;
        case json::kind::null: out << YAML::Null; break;
        default: out << json::serialize(v); break;  // numbers, plain
    }
}

}  // namespace

std::string render_json(const json::value& v) {
    std::string out;
    json_pretty(out, v, 0);
    return out + "\n";
}

std::string render_yaml(const json::value& v) {
    YAML::Emitter out;
    emit_yaml(out, v);
    return std::string(out.c_str()) + "\n";
}

std::string_view phase_color(std::string_view phase) {
    static constexpr std::pair<std::string_view, std::string_view> kColors[] = {
        {"Running", "32"}, {"Completed", "32"}, {"Ready", "32"}, {"Connected", "32"}, {"connected", "32"}, {"Issued", "32"},
        {"Failed", "31"},  {"Error", "31"},     {"disconnected", "31"}, {"Disconnected", "31"}, {"Deleted", "31"},
        {"Pending", "33"}, {"Building", "33"},  {"Deploying", "33"}, {"Stopped", "90"}, {"pending", "33"}};
    for (const auto& [name, code] : kColors)
        if (name == phase) return code;
    return "";
}

std::string paint(std::string_view text, std::string_view ansi, bool color) {
    if (!color || ansi.empty()) return std::string(text);
    return "\033[" + std::string(ansi) + "m" + std::string(text) + "\033[0m";
}

std::string render_table(const std::vector<std::string>& headers, const std::vector<std::vector<std::string>>& rows,
                         bool color) {
    std::vector<std::size_t> widths(headers.size());
    for (std::size_t c = 0; c < headers.size(); ++c) widths[c] = display_width(headers[c]);
    for (const auto& row : rows)
        for (std::size_t c = 0; c < row.size() && c < widths.size(); ++c) widths[c] = std::max(widths[c], display_width(row[c]));
    std::string out;
    auto line = [&](const std::vector<std::string>& cells, bool header) {
        std::string text;
        for (std::size_t c = 0; c < headers.size(); ++c) {
            std::string cell = c < cells.size() ? cells[c] : "";
            bool last = c + 1 == headers.size();
            std::string padding = last ? "" : std::string(widths[c] - display_width(cell) + 2, ' ');
            std::string_view ansi = header ? "1" : phase_color(cell);
            text += paint(cell, ansi, color) + padding;
        }
        while (!text.empty() && text.back() == ' ') text.pop_back();
        out += text + "\n";
    };
    line(headers, true);
    for (const auto& row : rows) line(row, false);
    return out;
}

std::string age(const json::value& rfc3339, std::chrono::system_clock::time_point now) {
    if (!rfc3339.is_string()) return "<unknown>";
    std::string text(rfc3339.get_string());
    std::tm tm{};
    if (!strptime(text.c_str(), "%Y-%m-%dT%H:%M:%S", &tm)) return "<unknown>";
    auto then = std::chrono::system_clock::from_time_t(timegm(&tm));
    auto seconds = std::chrono::duration_cast<std::chrono::seconds>(now - then).count();
    if (seconds < 0) seconds = 0;
    if (seconds < 120) return std::to_string(seconds) + "s";
    if (seconds < 2 * 3600) return std::to_string(seconds / 60) + "m";
    if (seconds < 2 * 86400) return std::to_string(seconds / 3600) + "h";
    if (seconds < 2 * 365 * 86400) return std::to_string(seconds / 86400) + "d";
    return std::to_string(seconds / (365 * 86400)) + "y";
}

std::string field(const json::value& v, std::string_view dotted) {
    const json::value* at = &v;
    while (!dotted.empty()) {
        auto dot = dotted.find('.');
        auto key = dotted.substr(0, dot);
        const auto* object = at->if_object();
        if (!object) return "";
        at = object->if_contains(key);
        if (!at) return "";
        dotted = dot == std::string_view::npos ? std::string_view{} : dotted.substr(dot + 1);
    }
    if (at->is_string()) return std::string(at->get_string());
    if (at->is_null()) return "";
    return json::serialize(*at);
}

std::string render_list(const json::array& items, const std::vector<Column>& columns, const OutputStyle& style,
                        std::string_view key) {
    if (style.format == Format::json) return render_json(items);
    if (style.format == Format::yaml) return render_yaml(items);
    if (style.quiet) {
        std::string out;
        for (const auto& item : items) out += field(item, key) + "\n";
        return out;
    }
    std::vector<std::string> headers;
    for (const auto& c : columns) headers.push_back(c.header);
    std::vector<std::vector<std::string>> rows;
    for (const auto& item : items) {
        std::vector<std::string> row;
        for (const auto& c : columns) row.push_back(c.cell(item));
        rows.push_back(std::move(row));
    }
    if (rows.empty()) return "";
    return render_table(headers, rows, style.color);
}

std::string render_object(const json::value& object, const std::vector<Column>& pairs, const OutputStyle& style,
                          std::string_view key) {
    if (style.format == Format::json) return render_json(object);
    if (style.format == Format::yaml) return render_yaml(object);
    if (style.quiet) return field(object, key) + "\n";
    std::size_t width = 0;
    for (const auto& p : pairs) width = std::max(width, display_width(p.header));
    std::string out;
    for (const auto& p : pairs) {
        auto value = p.cell(object);
        out += paint(p.header + ":", "1", style.color) + std::string(width - display_width(p.header) + 2, ' ') +
               paint(value, phase_color(value), style.color) + "\n";
    }
    return out;
}

}  // namespace sb::cli
