#pragma once
// What the command files share: adding a command with its examples, the
// standard AGE/NAME columns, and marking a command's positional argument as
// a resource name for shell completion.
#include <CLI/CLI.hpp>

#include <boost/json/value.hpp>

#include <chrono>
#include <string>
#include <vector>

#include "cli/invocation.hpp"
#include "cli/output.hpp"

namespace sb::cli {

// A command with its one-line description and, for `sb help`, examples.
CLI::App* add_command(CLI::App& parent, const std::string& name, const std::string& description,
                      const std::string& examples = {});
// A command that only groups others: alone it prints its help.
CLI::App* add_group(CLI::App& parent, const std::string& name, const std::string& description);

// Resource kinds sb __complete can list from the server: "team", "project",
// "app", "cluster", "service", "build", "context".
void complete_names(CLI::App* command, const std::string& kind);
std::string completion_kind(const CLI::App* command);

Column text_column(std::string header, std::string dotted);
Column age_column(std::string header = "AGE", std::string dotted = "createdAt");

// The command tree, built once per run.
void add_auth_commands(CLI::App& root, Invocation& inv);
void add_context_commands(CLI::App& root, Invocation& inv);
void add_team_commands(CLI::App& root, Invocation& inv);
void add_cluster_commands(CLI::App& root, Invocation& inv);
void add_project_commands(CLI::App& root, Invocation& inv);
void add_app_commands(CLI::App& root, Invocation& inv);
void add_build_commands(CLI::App& root, Invocation& inv);
void add_env_commands(CLI::App& root, Invocation& inv);
void add_service_commands(CLI::App& root, Invocation& inv);
void add_token_commands(CLI::App& root, Invocation& inv);
void add_account_commands(CLI::App& root, Invocation& inv);  // licence, usage
void add_lifecycle_commands(CLI::App& root, Invocation& inv);  // releases, rollback, scale, restart, stop, start
void add_domain_commands(CLI::App& root, Invocation& inv);
void add_log_commands(CLI::App& root, Invocation& inv);
void add_webhook_commands(CLI::App& root, Invocation& inv);
void add_push_command(CLI::App& root, Invocation& inv);
void add_version_command(CLI::App& root, Invocation& inv);
void add_comfort_commands(CLI::App& root, Invocation& inv);  // completion, __complete, man, help

}  // namespace sb::cli
