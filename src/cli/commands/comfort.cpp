// sb completion, sb man, sb help (sb __complete is answered in main.cpp, before parsing).
#include "cli/cli_error.hpp"
#include "cli/command_tree.hpp"
#include "cli/commands/command_support.hpp"
#include "cli/completion.hpp"
#include "cli/man_page.hpp"

namespace sb::cli {

void add_comfort_commands(CLI::App& root, Invocation& inv) {
    auto shell = std::make_shared<std::string>();
    auto* completion = add_command(root, "completion", "Print the shell completion script (bash, zsh or fish)",
                                   "  source <(sb completion bash)\n  sb completion zsh > \"${fpath[1]}/_sb\"\n"
                                   "  sb completion fish > ~/.config/fish/completions/sb.fish\n");
    completion->add_option("shell", *shell, "bash, zsh or fish")->required();
    completion->callback([&inv, shell] { inv.print(completion_script(*shell)); });

    auto* man = add_command(root, "man", "Print the sb(1) manual page (roff)", "  sb man > sb.1 && man ./sb.1\n");
    man->callback([&inv, &root] { inv.print(man_page(root)); });

    auto path = std::make_shared<std::vector<std::string>>();
    auto* help = add_command(root, "help", "Show help for a command, with examples", "  sb help\n  sb help apps create\n");
    help->add_option("command", *path, "The command");
    help->callback([&inv, &root, path] {
        CLI::App* node = &root;
        std::string walked = "sb";
        for (const auto& word : *path) {
            CLI::App* sub = nullptr;
            try {
                sub = node->get_subcommand(word);
            } catch (const CLI::OptionNotFound&) {
            }
            if (!sub) throw CliError(ExitCode::usage, "no command \"" + walked + " " + word + "\" (sb help " + (walked == "sb" ? std::string() : walked.substr(3)) + " lists them)");
            node = sub;
            walked += " " + word;
        }
        inv.print(help_text(node));
    });
}

}  // namespace sb::cli
