#include "operator/appbuild/termination_message.hpp"

#include <cctype>
#include <regex>

#include "common/json_fields.hpp"
#include "operator/appbuild/build_status.hpp"
#include "operator/appbuild/job_builder.hpp"

namespace sb::op::appbuild {

std::optional<std::string> termination_field(std::string_view message, std::string_view key) {
    std::size_t pos = 0;
    while (pos < message.size()) {
        auto end = message.find('\n', pos);
        if (end == std::string_view::npos) end = message.size();
        auto line = message.substr(pos, end - pos);
        if (line.size() > key.size() && line.substr(0, key.size()) == key && line[key.size()] == '=') {
            auto value = line.substr(key.size() + 1);
            while (!value.empty() && std::isspace(static_cast<unsigned char>(value.back()))) value.remove_suffix(1);
            return std::string(value);
        }
        pos = end + 1;
    }
    return std::nullopt;
}

std::string last_lines(std::string_view text, std::size_t max_lines) {
    while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.remove_suffix(1);
    std::size_t start = text.size();
    for (std::size_t lines = 0; lines < max_lines && start > 0; ++lines) {
        auto nl = text.rfind('\n', start - 1);
        start = nl == std::string_view::npos ? 0 : nl;
        if (nl == std::string_view::npos) break;
    }
    auto tail = text.substr(start);
    if (!tail.empty() && tail.front() == '\n') tail.remove_prefix(1);
    constexpr std::size_t max_bytes = 2048;
    if (tail.size() > max_bytes) tail = tail.substr(tail.size() - max_bytes);
    return std::string(tail);
}

void read_results(const std::vector<ContainerView>& containers, BuildObservation& o) {
    static const std::regex digest_pattern("sha256:[0-9a-f]{64}");
    for (const auto& c : containers) {
        if (!c.terminated || get_int(*c.terminated, "exitCode").value_or(-1) != 0) continue;
        const auto message = get_string(*c.terminated, "message");
        if (c.name == kCloneContainer) {
            o.commit = termination_field(message, "commit").value_or("");
            o.build_type = termination_field(message, "type").value_or("");
            o.image = termination_field(message, "image").value_or("");
            o.reused = termination_field(message, "reuse").value_or("") == "true";
        } else {
            std::smatch m;
            if (std::regex_search(message, m, digest_pattern)) o.digest = m.str();
        }
    }
}

}  // namespace sb::op::appbuild
