// sb logs: an app's pod logs, or a build's with --build (GET .../apps/{app}/logs
// and .../builds/{id}/logs?follow=true stream text; issue 13's routes).
#include <cstdio>

#include "cli/commands/command_support.hpp"

namespace sb::cli {

void add_log_commands(CLI::App& root, Invocation& inv) {
    struct LogOptions {
        std::string app, pod, since, build;
        int tail = -1;
        bool follow = false;
    };
    auto o = std::make_shared<LogOptions>();
    auto* logs = add_command(root, "logs", "Print an app's logs (or a build's with --build)",
                             "  sb logs web\n  sb logs -f --tail 100\n  sb logs web --since 10m --pod web-7d9c-x2\n"
                             "  sb logs --build 0193f... -f\n");
    logs->add_option("app", o->app, "App name (default: --app or .shapeblock.yaml)");
    logs->add_flag("-f,--follow", o->follow, "Keep streaming new lines");
    logs->add_option("--tail", o->tail, "Lines from the end to start with")->check(CLI::NonNegativeNumber);
    logs->add_option("--pod", o->pod, "Only this pod");
    logs->add_option("--since", o->since, "Only lines newer than this (10s, 5m, 2h)");
    logs->add_option("--build", o->build, "A build's log instead of the app's");
    complete_names(logs, "app");
    logs->callback([&inv, o] {
        auto print = [](std::string_view data) {
            std::fwrite(data.data(), 1, data.size(), stdout);
            std::fflush(stdout);
        };
        if (!o->build.empty()) {
            std::string target = inv.app_path(o->app) + "/builds/" + o->build + "/logs" + (o->follow ? "?follow=true" : "");
            inv.api().stream_text(target, print, "read the log of build " + o->build);
            return;
        }
        std::string query;
        auto add = [&](const std::string& k, const std::string& v) { query += (query.empty() ? "?" : "&") + k + "=" + query_escape(v); };
        if (o->tail >= 0) add("tail", std::to_string(o->tail));
        if (o->follow) add("follow", "true");
        if (!o->pod.empty()) add("pod", o->pod);
        if (!o->since.empty()) add("since", o->since);
        inv.api().stream_text(inv.app_path(o->app) + "/logs" + query, print, "read the logs of " + inv.app_name(o->app));
    });
}

}  // namespace sb::cli
