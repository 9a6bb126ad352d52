// sb services ...: databases and other services of a project, bound to apps.
#include <algorithm>

#include "cli/cli_error.hpp"
#include "cli/commands/command_support.hpp"

namespace sb::cli {
namespace json = boost::json;

namespace {

struct ServiceOptions {
    std::string name, type, chart, chart_version, storage;
};

json::value service(Invocation& inv, const std::string& name) {
    return inv.find_named(inv.project_path() + "/services", "service", name, " in project \"" + inv.project_name() + "\"");
}

void set_bindings(Invocation& inv, const std::string& service_name, bool bind) {
    auto id = field(service(inv, service_name), "id");
    auto path = inv.app_path();
    auto app = inv.api().get(path, "show app " + inv.app_name());
    json::array services = app.at("services").as_array();
    bool bound = std::find(services.begin(), services.end(), json::value(id)) != services.end();
    if (bind == bound) {
        if (!inv.globals.quiet) inv.print("service/" + service_name + (bind ? " is already bound to " : " is not bound to ") + inv.app_name() + "\n");
        return;
    }
    if (bind) services.push_back(json::string(id));
    else services.erase(std::remove(services.begin(), services.end(), json::value(id)), services.end());
    inv.api().patch(path, json::object{{"services", services}}, (bind ? "bind " : "unbind ") + service_name);
    if (!inv.globals.quiet) inv.print("service/" + service_name + (bind ? " bound to app/" : " unbound from app/") + inv.app_name() + "\n");
}

}  // namespace

void add_service_commands(CLI::App& root, Invocation& inv) {
    auto* group = add_group(root, "services", "Services of a project (postgresql, mysql, redis, mongodb, rabbitmq, chart)");
    group->alias("service");

    add_command(*group, "list", "List the project's services", "  sb services list\n")->alias("ls");
    group->get_subcommand("list")->callback([&inv] {
        inv.print(render_list(inv.api().list(inv.project_path() + "/services", "list services"),
                              {text_column("NAME", "name"), text_column("TYPE", "type"), text_column("STATUS", "status.phase"), age_column()},
                              inv.style()));
    });

    auto shown = std::make_shared<std::string>();
    auto* show = add_command(*group, "show", "Show a service", "  sb services show db\n");
    show->add_option("name", *shown, "Service name")->required();
    complete_names(show, "service");
    show->callback([&inv, shown] {
        inv.print(render_object(service(inv, *shown), {text_column("Name", "name"), text_column("Type", "type"), text_column("Status", "status.phase"),
                                                      text_column("Chart", "chart"), text_column("Storage", "storage"), text_column("Id", "id"),
                                                      text_column("Created", "createdAt")},
                                inv.style()));
    });

    auto secret_of = std::make_shared<std::string>();
    auto* credentials = add_command(*group, "credentials", "Show a service's connection details (host, port, user, database, password)",
                                    "  sb services credentials db\n  sb services credentials db -o json   # every variable a bound app gets\n");
    credentials->alias("creds");
    credentials->add_option("name", *secret_of, "Service name")->required();
    complete_names(credentials, "service");
    credentials->callback([&inv, secret_of] {
        // Read from the cluster on each request: the server keeps none of it.
        auto id = field(service(inv, *secret_of), "id");
        auto details = inv.api().get(inv.project_path() + "/services/" + id + "/credentials", "read the credentials of " + *secret_of);
        inv.print(render_object(details, {text_column("Host", "host"), text_column("Port", "port"), text_column("Username", "username"),
                                          text_column("Password", "password"), text_column("Database", "database"),
                                          text_column("URL", "url")},
                                inv.style()));
    });

    auto created = std::make_shared<ServiceOptions>();
    auto* create = add_command(*group, "create", "Create a service",
                               "  sb services create db --type postgresql --storage 5Gi\n"
                               "  sb services create search --type chart --chart oci://registry/opensearch --chart-version 2.1.0\n");
    create->add_option("name", created->name, "Service name")->required();
    create->add_option("--type", created->type, "postgresql, mysql, redis, mongodb, rabbitmq or chart")->required();
    create->add_option("--chart", created->chart, "Helm chart (type chart)");
    create->add_option("--chart-version", created->chart_version, "Chart version");
    create->add_option("--storage", created->storage, "Volume size, e.g. 5Gi");
    create->callback([&inv, created] {
        json::object body{{"name", created->name}, {"type", created->type}};
        if (!created->chart.empty()) body["chart"] = created->chart;
        if (!created->chart_version.empty()) body["chartVersion"] = created->chart_version;
        if (!created->storage.empty()) body["storage"] = created->storage;
        auto out = inv.api().post(inv.project_path() + "/services", body, "create service " + created->name);
        if (inv.style().format != Format::table) inv.print(render_object(out, {}, inv.style()));
        else if (!inv.globals.quiet) inv.print("service/" + created->name + " created\n");
    });

    auto deleted = std::make_shared<std::string>();
    auto* remove = add_command(*group, "delete", "Delete a service", "  sb services delete db\n");
    remove->alias("rm");
    remove->add_option("name", *deleted, "Service name")->required();
    complete_names(remove, "service");
    remove->callback([&inv, deleted] {
        auto id = field(service(inv, *deleted), "id");
        inv.api().del(inv.project_path() + "/services/" + id, "delete service " + *deleted);
        if (!inv.globals.quiet) inv.print("service/" + *deleted + " deleted\n");
    });

    auto bound = std::make_shared<std::string>();
    auto* bind = add_command(*group, "bind", "Bind a service to an app (its connection settings reach the app)",
                             "  sb services bind db -a web\n");
    bind->add_option("service", *bound, "Service name")->required();
    complete_names(bind, "service");
    bind->callback([&inv, bound] { set_bindings(inv, *bound, true); });

    auto unbound = std::make_shared<std::string>();
    auto* unbind = add_command(*group, "unbind", "Unbind a service from an app", "  sb services unbind db -a web\n");
    unbind->add_option("service", *unbound, "Service name")->required();
    complete_names(unbind, "service");
    unbind->callback([&inv, unbound] { set_bindings(inv, *unbound, false); });
}

}  // namespace sb::cli
