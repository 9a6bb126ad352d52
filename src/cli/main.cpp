// sb: parses the command line, runs the command, and turns every failure
// into one line on stderr and a documented exit code (exit_codes.hpp).
#include <CLI/CLI.hpp>

#include <cstdio>
#include <exception>
#include <string_view>
#include <vector>

#include "cli/cli_error.hpp"
#include "cli/command_tree.hpp"
#include "cli/completion.hpp"
#include "cli/invocation.hpp"

int main(int argc, char** argv) {
    using namespace sb::cli;
    Invocation inv;
    CLI::App root("sb", "sb");
    build_command_tree(root, inv);
    // The completion scripts' helper: words as the shell has them, not parsed as flags.
    if (argc >= 2 && std::string_view(argv[1]) == "__complete") {
        std::vector<std::string> words(argv + 2, argv + argc);
        if (words.empty()) words.emplace_back();
        inv.globals.timeout_seconds = 2;
        std::string out;
        for (const auto& c : completion_candidates(root, words, inv)) out += c + "\n";
        std::fputs(out.c_str(), stdout);
        return 0;
    }
    int code = 0;
    try {
        root.parse(argc, argv);
    } catch (const CLI::CallForHelp&) {
        // The help of the command the flag came with.
        CLI::App* node = &root;
        while (!node->get_subcommands().empty()) node = node->get_subcommands().front();
        std::fputs(help_text(node).c_str(), stdout);
    } catch (const CLI::CallForAllHelp&) {
        std::fputs(root.help("", CLI::AppFormatMode::All).c_str(), stdout);
    } catch (const CLI::ParseError& e) {
        print_error(usage_error(root, e));
        code = static_cast<int>(ExitCode::usage);
    } catch (const CliError& e) {
        print_error(e.what());
        code = static_cast<int>(e.code());
    } catch (const std::exception& e) {
        print_error(std::string("unexpected failure: ") + e.what());
        code = static_cast<int>(ExitCode::error);
    }
    std::fflush(stdout);
    return code;
}
