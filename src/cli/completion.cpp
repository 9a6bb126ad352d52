#include "cli/completion.hpp"

#include "cli/cli_error.hpp"
#include "cli/commands/command_support.hpp"

namespace sb::cli {

std::string completion_script(const std::string& shell) {
    if (shell == "bash")
        return R"SH(# sb completion for bash: source <(sb completion bash)
_sb_complete() {
    local IFS=$'\n'
    local cur="${COMP_WORDS[COMP_CWORD]}"
    COMPREPLY=($(compgen -W "$(sb __complete "${COMP_WORDS[@]:1:COMP_CWORD}" 2>/dev/null)" -- "$cur"))
}
complete -o default -F _sb_complete sb
)SH";
    if (shell == "zsh")
        return R"SH(#compdef sb
# sb completion for zsh: source <(sb completion zsh), or save as _sb in $fpath
_sb() {
    local -a candidates
    candidates=("${(@f)$(sb __complete "${(@)words[2,CURRENT]}" 2>/dev/null)}")
    compadd -a candidates
}
compdef _sb sb
)SH";
    if (shell == "fish")
        return R"SH(# sb completion for fish: sb completion fish > ~/.config/fish/completions/sb.fish
complete -c sb -f -a '(sb __complete (commandline -opc)[2..-1] (commandline -ct) 2>/dev/null)'
)SH";
    throw CliError(ExitCode::usage, "no completion for \"" + shell + "\": bash, zsh or fish");
}

namespace {

const CLI::Option* find_option(CLI::App* node, const std::string& word) {
    for (auto* app = node; app; app = app->get_parent()) {
        for (const auto* opt : app->get_options()) {
            if (opt->get_positional()) continue;
            if (opt->check_lname(word.starts_with("--") ? word.substr(2) : "") ||
                (word.size() == 2 && word[0] == '-' && opt->check_sname(word.substr(1))))
                return opt;
        }
    }
    return nullptr;
}

bool takes_value(const CLI::Option* opt) { return opt && opt->get_type_size() != 0 && opt->get_expected_min() > 0; }

std::vector<std::string> names_of(Invocation& inv, const std::string& kind) {
    std::vector<std::string> out;
    if (kind == "context") {
        for (const auto& c : inv.config().contexts) out.push_back(c.name);
        return out;
    }
    if (kind == "format") return {"table", "json", "yaml"};
    boost::json::array items;
    if (kind == "team") items = inv.api().list("/api/v1/teams", "list teams");
    else if (kind == "project") items = inv.api().list(inv.team_path() + "/projects", "list projects");
    else if (kind == "cluster") items = inv.api().list(inv.team_path() + "/clusters", "list clusters");
    else if (kind == "app") items = inv.api().list(inv.project_path() + "/apps", "list apps");
    else if (kind == "service") items = inv.api().list(inv.project_path() + "/services", "list services");
    else if (kind == "build") items = inv.api().get(inv.app_path() + "/builds?limit=20", "list builds").at("items").as_array();
    for (const auto& item : items) out.push_back(field(item, kind == "build" ? "id" : "name"));
    return out;
}

std::string value_kind(const CLI::Option* opt) {
    if (!opt) return "";
    if (opt->check_lname("team")) return "team";
    if (opt->check_lname("project")) return "project";
    if (opt->check_lname("app")) return "app";
    if (opt->check_lname("cluster")) return "cluster";
    if (opt->check_lname("context")) return "context";
    if (opt->check_lname("output")) return "format";
    if (opt->check_lname("build")) return "build";
    return "";
}

}  // namespace

std::vector<std::string> completion_candidates(CLI::App& root, const std::vector<std::string>& words, Invocation& inv) {
    std::vector<std::string> out;
    if (words.empty()) return out;
    CLI::App* node = &root;
    std::size_t positionals = 0;
    const CLI::Option* pending = nullptr;  // the option whose value is being typed
    for (std::size_t i = 0; i + 1 < words.size(); ++i) {
        const auto& w = words[i];
        if (pending) {
            // Scope flags steer the names listed later.
            if (pending->check_lname("team")) inv.globals.team = w;
            else if (pending->check_lname("project")) inv.globals.project = w;
            else if (pending->check_lname("app")) inv.globals.app = w;
            else if (pending->check_lname("context")) inv.globals.context = w;
            pending = nullptr;
            continue;
        }
        if (w.starts_with("-")) {
            auto* opt = find_option(node, w.substr(0, w.find('=')));
            if (takes_value(opt) && w.find('=') == std::string::npos) pending = opt;
            continue;
        }
        CLI::App* sub = nullptr;
        try {
            sub = node->get_subcommand(w);
        } catch (const CLI::OptionNotFound&) {
        }
        if (sub && positionals == 0) node = sub;
        else ++positionals;
    }
    const auto& current = words.back();
    try {
        if (pending) {
            auto kind = value_kind(pending);
            if (!kind.empty()) out = names_of(inv, kind);
        } else if (current.starts_with("-")) {
            for (auto* app = node; app; app = app->get_parent())
                for (const auto* opt : app->get_options())
                    for (const auto& l : opt->get_lnames()) out.push_back("--" + l);
        } else {
            for (const auto* sub : node->get_subcommands([](const CLI::App* a) { return !a->get_group().empty(); })) {
                out.push_back(sub->get_name());
            }
            if (auto kind = completion_kind(node); !kind.empty() && positionals == 0)
                for (auto& n : names_of(inv, kind)) out.push_back(std::move(n));
        }
    } catch (const std::exception&) {
        // Completion stays silent: no server, no names.
    }
    std::erase_if(out, [&](const std::string& c) { return !c.starts_with(current) || c.starts_with("__"); });
    return out;
}

}  // namespace sb::cli
