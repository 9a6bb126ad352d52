// sb releases, rollback, scale, autoscale, restart, stop, start: the app's
// running state (POST .../apps/{app}/rollback|scale|restart|stop|start,
// GET .../releases).
#include "cli/cli_error.hpp"
#include "cli/commands/command_support.hpp"

namespace sb::cli {
namespace json = boost::json;

namespace {

void print_result(Invocation& inv, const json::value& out, const std::string& line) {
    if (inv.style().format != Format::table) inv.print(render_object(out, {}, inv.style()));
    else if (!inv.globals.quiet) inv.print(line + "\n");
}

void add_action(CLI::App& root, Invocation& inv, const std::string& verb, const std::string& description, const std::string& past) {
    auto app = std::make_shared<std::string>();
    auto* c = add_command(root, verb, description, "  sb " + verb + " web\n");
    c->add_option("app", *app, "App name (default: --app or .shapeblock.yaml)");
    complete_names(c, "app");
    c->callback([&inv, app, verb, past] {
        auto out = inv.api().post(inv.app_path(*app) + "/" + verb, json::object{}, verb + " app " + inv.app_name(*app));
        print_result(inv, out, "app/" + inv.app_name(*app) + " " + past);
    });
}

}  // namespace

void add_lifecycle_commands(CLI::App& root, Invocation& inv) {
    auto app = std::make_shared<std::string>();
    auto* releases = add_command(root, "releases", "List an app's releases, newest first", "  sb releases web\n  sb releases -a web -o json\n");
    releases->add_option("app", *app, "App name (default: --app or .shapeblock.yaml)");
    complete_names(releases, "app");
    releases->callback([&inv, app] {
        auto items = inv.api().list(inv.app_path(*app) + "/releases", "list the releases of " + inv.app_name(*app));
        inv.print(render_list(items, {text_column("RELEASE", "version"), text_column("KIND", "kind"), text_column("BY", "actor"),
                                      text_column("CHANGE", "description"), text_column("IMAGE", "image"), age_column()},
                              inv.style(), "number"));
    });

    auto rollback_args = std::make_shared<std::vector<std::string>>();
    auto* rollback = add_command(root, "rollback", "Deploy an earlier release again", "  sb rollback web 41\n  sb rollback -a web 41\n");
    rollback->add_option("args", *rollback_args, "[APP] RELEASE (sb releases lists them)")->required()->expected(1, 2);
    complete_names(rollback, "app");
    rollback->callback([&inv, rollback_args] {
        std::string name = rollback_args->size() == 2 ? rollback_args->front() : "";
        const auto& number = rollback_args->back();
        if (number.empty() || number.size() > 9 || number.find_first_not_of("0123456789") != std::string::npos || number == "0")
            throw CliError(ExitCode::usage, "the release must be a positive number (sb releases lists them), not \"" + number + "\"");
        int release = std::stoi(number);
        auto out = inv.api().post(inv.app_path(name) + "/rollback", json::object{{"release", release}},
                                  "roll back app " + inv.app_name(name));
        print_result(inv, out, "app/" + inv.app_name(name) + " rolled back to release " + number);
    });

    struct ScaleOptions {
        std::string app, cpu_request, memory_request, cpu_limit, memory_limit;
        int replicas = -1;
    };
    auto sc = std::make_shared<ScaleOptions>();
    auto* scale = add_command(root, "scale", "Set an app's replicas and resources",
                              "  sb scale web --replicas 3\n  sb scale web --cpu-request 250m --memory-limit 512Mi\n");
    scale->add_option("app", sc->app, "App name (default: --app or .shapeblock.yaml)");
    scale->add_option("--replicas", sc->replicas, "Number of replicas")->check(CLI::Range(0, 1000));
    scale->add_option("--cpu-request", sc->cpu_request, "CPU request, e.g. 250m");
    scale->add_option("--memory-request", sc->memory_request, "Memory request, e.g. 256Mi");
    scale->add_option("--cpu-limit", sc->cpu_limit, "CPU limit");
    scale->add_option("--memory-limit", sc->memory_limit, "Memory limit");
    complete_names(scale, "app");
    scale->callback([&inv, sc] {
        json::object body;
        if (sc->replicas >= 0) body["replicas"] = sc->replicas;
        json::object requests, limits;
        if (!sc->cpu_request.empty()) requests["cpu"] = sc->cpu_request;
        if (!sc->memory_request.empty()) requests["memory"] = sc->memory_request;
        if (!sc->cpu_limit.empty()) limits["cpu"] = sc->cpu_limit;
        if (!sc->memory_limit.empty()) limits["memory"] = sc->memory_limit;
        if (!requests.empty() || !limits.empty()) {
            json::object resources;
            if (!requests.empty()) resources["requests"] = requests;
            if (!limits.empty()) resources["limits"] = limits;
            body["resources"] = resources;
        }
        if (body.empty()) throw CliError(ExitCode::usage, "nothing to scale: pass --replicas or a --cpu-/--memory- request or limit");
        auto out = inv.api().post(inv.app_path(sc->app) + "/scale", body, "scale app " + inv.app_name(sc->app));
        print_result(inv, out, "app/" + inv.app_name(sc->app) + " scaled");
    });

    struct AutoscaleOptions {
        std::string app;
        int min = 0, max = 0, cpu = 0, memory = 0;
    };
    auto as = std::make_shared<AutoscaleOptions>();
    auto* autoscale = add_command(root, "autoscale", "Scale an app between bounds on CPU or memory use",
                                  "  sb autoscale web --min 2 --max 10 --cpu-percent 70\n");
    autoscale->add_option("app", as->app, "App name (default: --app or .shapeblock.yaml)");
    autoscale->add_option("--min", as->min, "Fewest replicas")->required()->check(CLI::Range(1, 1000));
    autoscale->add_option("--max", as->max, "Most replicas")->required()->check(CLI::Range(1, 1000));
    autoscale->add_option("--cpu-percent", as->cpu, "Target CPU use, percent of the request")->check(CLI::Range(1, 100));
    autoscale->add_option("--memory-percent", as->memory, "Target memory use, percent of the request")->check(CLI::Range(1, 100));
    complete_names(autoscale, "app");
    autoscale->callback([&inv, as] {
        if (as->max < as->min) throw CliError(ExitCode::usage, "--max must be at least --min");
        if (as->cpu == 0 && as->memory == 0) throw CliError(ExitCode::usage, "pass --cpu-percent or --memory-percent (or both)");
        json::object autoscaling{{"minReplicas", as->min}, {"maxReplicas", as->max}};
        if (as->cpu) autoscaling["targetCPUUtilizationPercentage"] = as->cpu;
        if (as->memory) autoscaling["targetMemoryUtilizationPercentage"] = as->memory;
        auto out = inv.api().post(inv.app_path(as->app) + "/scale", json::object{{"autoscaling", autoscaling}},
                                  "autoscale app " + inv.app_name(as->app));
        print_result(inv, out, "app/" + inv.app_name(as->app) + " autoscales from " + std::to_string(as->min) + " to " + std::to_string(as->max));
    });

    add_action(root, inv, "restart", "Restart an app's pods (a rolling restart)", "restarting");
    add_action(root, inv, "stop", "Stop an app (no pods run; its settings stay)", "stopped");
    add_action(root, inv, "start", "Start a stopped app", "started");
}

}  // namespace sb::cli
