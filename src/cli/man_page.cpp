#include "cli/man_page.hpp"

#include "cli/exit_codes.hpp"
#include "cli/version.hpp"

namespace sb::cli {

namespace {

// roff: a leading dot or quote would be a request; backslashes escape.
std::string roff(const std::string& text) {
    std::string out;
    bool line_start = true;
    for (char c : text) {
        if (line_start && (c == '.' || c == '\'')) out += "\\&";
        if (c == '\\') out += "\\e";
        else if (c == '-') out += "\\-";
        else out += c;
        line_start = c == '\n';
    }
    return out;
}

std::string option_text(const CLI::Option* opt) {
    std::string names;
    for (const auto& s : opt->get_snames()) names += (names.empty() ? "" : ", ") + std::string("-") + s;
    for (const auto& l : opt->get_lnames()) names += (names.empty() ? "" : ", ") + std::string("--") + l;
    if (opt->get_type_size() != 0 && opt->get_expected_min() > 0) names += " " + (opt->get_type_name().empty() ? std::string("VALUE") : opt->get_type_name());
    return names;
}

std::string usage(const CLI::App* app, const std::string& path) {
    std::string u = path;
    for (const auto* opt : app->get_options())
        if (opt->get_positional()) {
            std::string n = opt->get_name();
            bool many = opt->get_expected_max() > 1;
            u += opt->get_required() ? " " + n + (many ? "..." : "") : " [" + n + (many ? "..." : "") + "]";
        }
    if (!app->get_subcommands([](const CLI::App* a) { return !a->get_group().empty(); }).empty()) u += " COMMAND";
    bool has_flags = false;
    for (const auto* opt : app->get_options())
        if (!opt->get_positional() && opt->get_name() != "--help") has_flags = true;
    if (has_flags) u += " [OPTIONS]";
    return u;
}

void section(std::string& out, const CLI::App* app, const std::string& path) {
    auto subs = app->get_subcommands([](const CLI::App* a) { return !a->get_group().empty(); });
    bool leaf = subs.empty();
    out += ".SS \"" + roff(usage(app, path)) + "\"\n" + roff(app->get_description()) + "\n";
    std::vector<const CLI::Option*> flags;
    for (const auto* opt : app->get_options())
        if (!opt->get_positional() && opt->get_name() != "--help" && opt->get_name() != "-h,--help") flags.push_back(opt);
    for (const auto* opt : flags) {
        if (opt->get_lnames().size() == 1 && opt->get_lnames()[0] == "help") continue;
        out += ".TP\n.B " + roff(option_text(opt)) + "\n" + roff(opt->get_description()) + "\n";
    }
    if (leaf && !app->get_footer().empty()) out += ".PP\n.nf\n" + roff(app->get_footer()) + "\n.fi\n";
    for (const auto* sub : subs) section(out, sub, path + " " + sub->get_name());
}

}  // namespace

std::string man_page(const CLI::App& root) {
    std::string out;
    out += ".TH SB 1 \"\" \"sb " + std::string(kClientVersion) + "\" \"ShapeBlock\"\n";
    out += ".SH NAME\nsb \\- the ShapeBlock command-line client\n";
    out += ".SH SYNOPSIS\n.B sb\n[\\fIGLOBAL OPTIONS\\fR] \\fICOMMAND\\fR [\\fIARGS\\fR]\n";
    out += ".SH DESCRIPTION\n" + roff(root.get_description()) + "\n";
    out += ".SH GLOBAL OPTIONS\nGiven anywhere on the command line.\n";
    for (const auto* opt : root.get_options()) {
        if (opt->get_positional() || (opt->get_lnames().size() == 1 && opt->get_lnames()[0] == "help")) continue;
        out += ".TP\n.B " + roff(option_text(opt)) + "\n" + roff(opt->get_description()) + "\n";
    }
    out += ".SH COMMANDS\n";
    for (const auto* sub : root.get_subcommands([](const CLI::App* a) { return !a->get_group().empty(); }))
        section(out, sub, "sb " + sub->get_name());
    out += ".SH ENVIRONMENT\n";
    for (auto [name, text] : std::initializer_list<std::pair<const char*, const char*>>{
             {"SB_SERVER, SB_TOKEN", "Server URL and API token, used instead of a context (for CI)."},
             {"SB_CONTEXT", "The context to use instead of the current one."},
             {"SB_TEAM, SB_PROJECT, SB_APP", "Team, project and app; flags win over these, these over .shapeblock.yaml and the context's defaults."},
             {"NO_COLOR", "When set (to anything), no colours."},
             {"XDG_CONFIG_HOME", "Where the configuration lives (default ~/.config)."}})
        out += ".TP\n.B " + roff(name) + "\n" + roff(text) + "\n";
    out += ".SH FILES\n.TP\n.I $XDG_CONFIG_HOME/shapeblock/config.yaml\nContexts: server, API token (mode 0600), default team and project.\n";
    out += ".TP\n.I .shapeblock.yaml\nIn a repository (this directory or a parent): team, project and app for commands run there.\n";
    out += ".SH EXIT STATUS\n";
    for (const auto& e : kExitCodeDocs) out += ".TP\n.B " + std::to_string(e.code) + "\n" + roff(e.meaning) + "\n";
    out += ".SH SEE ALSO\nsb help COMMAND; docs/cli.md in the ShapeBlock sources.\n";
    return out;
}

}  // namespace sb::cli
