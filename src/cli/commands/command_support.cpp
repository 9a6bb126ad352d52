#include "cli/commands/command_support.hpp"

#include <map>

namespace sb::cli {

namespace {
std::map<const CLI::App*, std::string>& kinds() {
    static std::map<const CLI::App*, std::string> k;
    return k;
}
}  // namespace

CLI::App* add_command(CLI::App& parent, const std::string& name, const std::string& description, const std::string& examples) {
    auto* c = parent.add_subcommand(name, description);
    if (!examples.empty()) c->footer("Examples:\n" + examples);
    return c;
}

CLI::App* add_group(CLI::App& parent, const std::string& name, const std::string& description) {
    auto* c = parent.add_subcommand(name, description);
    c->require_subcommand(1);
    return c;
}

void complete_names(CLI::App* command, const std::string& kind) { kinds()[command] = kind; }

std::string completion_kind(const CLI::App* command) {
    auto it = kinds().find(command);
    return it == kinds().end() ? "" : it->second;
}

Column text_column(std::string header, std::string dotted) {
    return {std::move(header), [dotted](const boost::json::value& v) { return field(v, dotted); }};
}

Column age_column(std::string header, std::string dotted) {
    auto now = std::chrono::system_clock::now();
    return {std::move(header), [dotted, now](const boost::json::value& v) {
                const auto* o = v.if_object();
                const auto* at = o ? o->if_contains(dotted) : nullptr;
                return at ? age(*at, now) : std::string("<unknown>");
            }};
}

}  // namespace sb::cli
