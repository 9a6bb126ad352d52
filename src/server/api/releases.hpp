#pragma once
// Releases: every deploy of an app (a build, an env, scale, config or
// domain change, a rollback) as a numbered record of who, when, what changed,
// the image, and a snapshot of the deployable config with the sealed secrets,
// so that a rollback restores image and config together.
#include <boost/asio/awaitable.hpp>
#include <boost/json/object.hpp>

#include <optional>
#include <string>

#include "server/db/sql.hpp"
#include "server/store/release_store.hpp"

namespace sb::server {
struct Context;
}

namespace sb::server::api {

// The fields of an app's spec that shape its deploy: replicas, resources,
// autoscaling, domains, services, build, and envKeys (the env's names; the
// values are in the sealed secrets).
boost::json::object deployable_config(const boost::json::object& spec);
// Writes those fields of `config` back into `spec` (all but envKeys: the
// env comes back with the secrets).
void restore_config(boost::json::object& spec, const boost::json::object& config);
// What changed, for people: "replicas 1 → 3; domains + shop.example.com; env − DEBUG".
std::string describe_change(const boost::json::object& before, const boost::json::object& after);

// The user's email (or id) of an API request.
std::string actor_of(const Context& ctx);
boost::json::object release_json(const store::Release& release);

struct NewRelease {
    std::string app_id;
    std::string kind;
    std::string actor;
    std::string description;
    std::string image;  // empty: the image the app runs now (the newest release's, else the reported one)
    std::string digest;
    std::optional<std::string> build_id;
    std::string spec;      // the app's spec (JSON) after the change
    std::string secrets;   // the app's sealed secrets after the change
    std::string reported;  // the app's reported status (JSON), for its current image
};

// Inside the change's transaction.
boost::asio::awaitable<store::Release> record_release(db::Session& s, NewRelease release);

}  // namespace sb::server::api
