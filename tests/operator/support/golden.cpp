#include "tests/operator/support/golden.hpp"

#include <boost/json/serialize.hpp>
#include <cstdlib>
#include <fstream>
#include <sstream>

namespace sb::op::testing {

namespace json = boost::json;

std::string testdata_path(std::string_view relative) {
    return std::string(SB_OPERATOR_TESTDATA) + "/" + std::string(relative);
}

namespace {
void pretty(std::string& out, const json::value& v, int indent) {
    const std::string pad(static_cast<std::size_t>(indent) * 2, ' ');
    const std::string inner(static_cast<std::size_t>(indent + 1) * 2, ' ');
    if (v.is_object()) {
        const auto& o = v.get_object();
        if (o.empty()) { out += "{}"; return; }
        out += "{\n";
        bool first = true;
        for (const auto& [k, val] : o) {
            if (!first) out += ",\n";
            first = false;
            out += inner + json::serialize(json::value(k)) + ": ";
            pretty(out, val, indent + 1);
        }
        out += "\n" + pad + "}";
    } else if (v.is_array()) {
        const auto& a = v.get_array();
        if (a.empty()) { out += "[]"; return; }
        out += "[\n";
        for (std::size_t i = 0; i < a.size(); ++i) {
            if (i) out += ",\n";
            out += inner;
            pretty(out, a[i], indent + 1);
        }
        out += "\n" + pad + "]";
    } else {
        out += json::serialize(v);
    }
}
}  // namespace

std::string pretty_json(const json::value& value) {
    std::string out;
    pretty(out, value, 0);
    out += "\n";
    return out;
}

std::string compare_golden(std::string_view relative_path, const std::string& actual) {
    const auto path = testdata_path(relative_path);
    if (const char* update = std::getenv("SB_UPDATE_GOLDEN"); update && std::string(update) == "1") {
        std::ofstream(path, std::ios::binary) << actual;
        return "";
    }
    std::ifstream in(path, std::ios::binary);
    if (!in) return "golden file " + path + " is missing (run with SB_UPDATE_GOLDEN=1 to create it)";
    std::stringstream ss;
    ss << in.rdbuf();
    const std::string expected = ss.str();
    if (expected == actual) return "";
    std::istringstream a(actual), e(expected);
    std::string la, le;
    for (int line = 1;; ++line) {
        bool ga = static_cast<bool>(std::getline(a, la));
        bool ge = static_cast<bool>(std::getline(e, le));
        if (!ga && !ge) break;
        if (!ga || !ge || la != le) {
            return path + ":" + std::to_string(line) + " differs\n  expected: " + (ge ? le : "<eof>") +
                   "\n  actual:   " + (ga ? la : "<eof>") + "\n(SB_UPDATE_GOLDEN=1 rewrites the golden files)";
        }
    }
    return path + " differs";
}

}  // namespace sb::op::testing
