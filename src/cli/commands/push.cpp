// sb push: build the pushed commit of the app's branch (or an uploaded
// directory, --path; or deploy --image), follow the build log live, wait for
// the new release to run and answer.
#include <boost/json/serialize.hpp>

#include <chrono>
#include <cstdio>
#include <thread>

#include "cli/build_follow.hpp"
#include "cli/cli_error.hpp"
#include "cli/commands/command_support.hpp"
#include "cli/event_stream.hpp"
#include "cli/git_checkout.hpp"
#include "cli/source_archive.hpp"
#include "cli/terminal.hpp"

namespace sb::cli {
namespace json = boost::json;
using namespace std::chrono_literals;

namespace {

struct PushOptions {
    std::string app, image, path;
    int timeout = 600;
};

struct Rollout {
    std::string phase, message, image, url;
};

// What a status report tells of the rollout (events carry the operator's
// report as "reported"; a newer server may put it in the app's status).
void read_report(const json::value& status, Rollout& r) {
    if (auto p = field(status, "status.phase"); !p.empty()) r.phase = p;
    if (auto m = field(status, "status.message"); !m.empty()) r.message = m;
    for (const char* prefix : {"reported.", "status.reported.", "status."}) {
        if (auto i = field(status, std::string(prefix) + "currentImage"); !i.empty()) r.image = i;
        if (auto u = field(status, std::string(prefix) + "url"); !u.empty()) r.url = u;
    }
}

bool answers(const std::string& url) {
    try {
        TransportOptions options;
        options.timeout = 5s;
        options.insecure = true;  // a new app's certificate may still be pending; reachability is the question
        HttpTransport transport(parse_server_url(url), options);
        HttpRequest request;
        request.target = "/";
        auto response = transport.send(request);
        return response.status > 0 && response.status < 500;
    } catch (const std::exception&) {
        return false;
    }
}

std::string wait_for_release(Invocation& inv, EventStream& events, const std::string& app_path,
                             const std::function<bool(const std::string&)>& is_new_image, std::chrono::steady_clock::time_point deadline,
                             Spinner& spinner) {
    Rollout r;
    auto last_poll = std::chrono::steady_clock::time_point{};
    while (std::chrono::steady_clock::now() < deadline) {
        if (std::chrono::steady_clock::now() - last_poll > 3s) {
            read_report(inv.api().get(app_path, "show app"), r);
            last_poll = std::chrono::steady_clock::now();
        }
        if (auto e = events.next(1s); e && e->kind == "app.status") read_report(e->data, r);
        spinner.update("rolling out: " + (r.phase.empty() ? std::string("waiting for the cluster") : r.phase) +
                       (r.image.empty() ? "" : " (" + r.image + ")"));
        if (r.phase == "Failed") throw CliError(ExitCode::failed, "the app failed to start: " + r.message);
        if (r.phase == "Running" && is_new_image(r.image)) {
            if (r.url.empty()) return "";
            spinner.update("waiting for " + r.url + " to answer");
            while (std::chrono::steady_clock::now() < deadline) {
                if (answers(r.url)) return r.url;
                std::this_thread::sleep_for(1s);
            }
            throw CliError(ExitCode::failed, "the new release runs but " + r.url + " does not answer");
        }
    }
    throw CliError(ExitCode::failed, "the new release did not come up in time (last state: " +
                                         (r.phase.empty() ? std::string("no report from the cluster") : r.phase + " " + r.message) +
                                         "); sb apps show and sb logs tell more");
}

std::string size_text(std::uint64_t bytes) {
    char text[32];
    if (bytes < 1024) std::snprintf(text, sizeof text, "%llu B", static_cast<unsigned long long>(bytes));
    else if (bytes < (1u << 20)) std::snprintf(text, sizeof text, "%.1f KiB", static_cast<double>(bytes) / 1024);
    else std::snprintf(text, sizeof text, "%.1f MiB", static_cast<double>(bytes) / (1 << 20));
    return text;
}

// The directory packed (ignore rules honoured) and uploaded; the server
// relays it to the app's cluster and answers with the build of it.
json::value upload_source(Invocation& inv, const std::string& app_path, const std::string& name, const std::string& dir) {
    Spinner spinner("packing " + dir);
    auto packed = pack_source(dir);
    spinner.stop();
    std::fprintf(stderr, "Uploading %s: %llu files, %s packed%s\n", dir.c_str(), static_cast<unsigned long long>(packed.files),
                 size_text(packed.bytes).c_str(),
                 packed.ignored ? (" (" + std::to_string(packed.ignored) + " ignored)").c_str() : "");
    Spinner progress("uploading");
    auto on_sent = [&](std::uint64_t sent) {
        progress.update(sent < packed.bytes ? "uploading " + size_text(sent) + " of " + size_text(packed.bytes)
                                             : "storing the source in the app's cluster");
    };
    auto build = inv.api().upload(app_path + "/source", packed.file.get(), packed.bytes, "application/gzip", on_sent,
                                  "upload the source of " + name);
    progress.stop();
    return build;
}

void push(Invocation& inv, const PushOptions& o) {
    if (!o.path.empty() && !o.image.empty()) throw CliError(ExitCode::usage, "--path and --image exclude each other: push a directory or deploy an image");
    auto app_path = inv.app_path(o.app);
    auto name = inv.app_name(o.app);
    auto app = inv.api().get(app_path, "show app " + name);
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(o.timeout);
    EventStream events(inv.api().url(), inv.api().options(), inv.context().token, inv.team_id());
    events.subscribe("app:" + field(app, "id"));
    std::function<bool(const std::string&)> is_new;

    if (!o.image.empty()) {
        inv.api().patch(app_path, json::object{{"build", {{"type", "image"}, {"image", o.image}}}}, "deploy " + o.image + " to " + name);
        std::fprintf(stderr, "Deploying %s to app/%s\n", o.image.c_str(), name.c_str());
        is_new = [image = o.image](const std::string& current) { return current == image; };
    } else if (!o.path.empty()) {
        if (field(app, "build.type") == "image")
            throw CliError(ExitCode::usage, "app \"" + name + "\" deploys an image: sb push --image REF (or sb apps set " + name + " --build-type dockerfile)");
        auto build = upload_source(inv, app_path, name, o.path);
        auto id = field(build, "id");
        auto tag = field(build, "imageTag");
        std::fprintf(stderr, "Building the upload %s of app/%s (build %s)\n", field(build, "source.digest").substr(0, 19).c_str(),
                     name.c_str(), id.c_str());
        auto done = follow_build(inv, app_path + "/builds", id);
        if (field(done, "status.phase") != "Completed")
            throw CliError(ExitCode::failed, "build " + id + " failed" + (field(done, "status.message").empty() ? "" : ": " + field(done, "status.message")) +
                                                 " (sb builds logs " + id + ")");
        is_new = [tag](const std::string& current) { return current.ends_with(":" + tag) || current.find(":" + tag + "@") != std::string::npos; };
    } else {
        if (field(app, "build.type") == "image")
            throw CliError(ExitCode::usage, "app \"" + name + "\" deploys an image: sb push --image REF (or sb apps set " + name + " --git URL)");
        if (field(app, "git.url").empty())
            throw CliError(ExitCode::usage, "app \"" + name + "\" has no git repository: push a directory with sb push --path DIR");
        auto git = read_git_state();
        std::string ref;
        if (git) {
            if (auto warning = push_warning(*git, field(app, "git.branch")); !warning.empty()) std::fprintf(stderr, "warning: %s\n", warning.c_str());
            ref = git->upstream.empty() ? git->head : git->upstream;
        } else {
            std::fprintf(stderr, "warning: not in a git checkout: building the head of %s\n", field(app, "git.branch").c_str());
        }
        json::object body;
        if (!ref.empty()) body["gitRef"] = ref;
        auto build = inv.api().post(app_path + "/builds", body, "start a build of " + name);
        auto id = field(build, "id");
        auto tag = field(build, "imageTag");
        std::fprintf(stderr, "Building %s of app/%s (build %s)\n", ref.empty() ? "the branch head" : ref.substr(0, 12).c_str(), name.c_str(), id.c_str());
        auto done = follow_build(inv, app_path + "/builds", id);
        if (field(done, "status.phase") != "Completed")
            throw CliError(ExitCode::failed, "build " + id + " failed" + (field(done, "status.message").empty() ? "" : ": " + field(done, "status.message")) +
                                                 " (sb builds logs " + id + ")");
        is_new = [tag](const std::string& current) { return current.ends_with(":" + tag) || current.find(":" + tag + "@") != std::string::npos; };
    }
    Spinner spinner("rolling out");
    auto url = wait_for_release(inv, events, app_path, is_new, deadline, spinner);
    spinner.stop();
    if (inv.style().format != Format::table) {
        inv.print(render_object(json::object{{"app", name}, {"url", url.empty() ? json::value(nullptr) : json::value(url)}, {"status", "Running"}}, {}, inv.style()));
        return;
    }
    if (url.empty()) inv.print("app/" + name + " is running (it reports no URL)\n");
    else inv.print(inv.globals.quiet ? url + "\n" : "app/" + name + " is running at " + url + "\n");
}

}  // namespace

void add_push_command(CLI::App& root, Invocation& inv) {
    auto o = std::make_shared<PushOptions>();
    auto* c = add_command(root, "push", "Build and deploy the pushed commit (or an image), then wait until it answers",
                          "  sb push                       # in a git checkout with .shapeblock.yaml\n"
                          "  sb push -a web\n"
                          "  sb push --image ghcr.io/acme/web:1.4.2\n"
                          "  sb push --path . -a web          # any directory, git or not (.gitignore/.dockerignore honoured)\n");
    c->add_option("app", o->app, "App name (default: --app or .shapeblock.yaml)");
    c->add_option("--image", o->image, "Deploy this image instead of building");
    c->add_option("--path", o->path, "Upload this directory as the source and build it (no git needed; .gitignore and .dockerignore are honoured)");
    c->add_option("--timeout", o->timeout, "Seconds to wait for the build and the rollout")->capture_default_str();
    complete_names(c, "app");
    c->callback([&inv, o] { push(inv, *o); });
}

}  // namespace sb::cli
