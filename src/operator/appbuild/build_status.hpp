#pragma once
// What a build Job and its Pod say about the build: phase, a reason a user
// can act on, and the results (commit, chosen type, image, digest) read
// from the containers' termination messages (termination_message.hpp); why
// a pod failed or is stuck is pod_failure.hpp's. Pure: the caller passes the
// objects and the current time.
#include <boost/json/object.hpp>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/rfc3339.hpp"
#include "operator/appbuild/build_config.hpp"

namespace sb::op::appbuild {

enum class BuildPhase { pending, building, completed, failed };
std::string_view to_string(BuildPhase phase);  // "Pending", "Building", "Completed", "Failed"

// Machine-readable reasons (AppBuild status.reason).
namespace reasons {
inline constexpr std::string_view clone_failed = "CloneFailed";
inline constexpr std::string_view source_fetch_failed = "SourceFetchFailed";
inline constexpr std::string_view build_failed = "BuildFailed";
inline constexpr std::string_view push_failed = "PushFailed";
inline constexpr std::string_view oom_killed = "OOMKilled";
inline constexpr std::string_view deadline_exceeded = "DeadlineExceeded";
inline constexpr std::string_view unschedulable = "Unschedulable";
inline constexpr std::string_view image_pull_failed = "ImagePullFailed";
// The build pod succeeded without naming the pushed image and its digest,
// or named another one than the operator asked for: nothing to deploy.
inline constexpr std::string_view image_missing = "ImageMissing";
inline constexpr std::string_view image_mismatch = "ImageMismatch";
}  // namespace reasons

struct BuildObservation {
    BuildPhase phase = BuildPhase::pending;
    std::string reason;
    std::string message;
    std::string pod_name;
    std::string start_time;       // RFC 3339 or ""
    std::string completion_time;  // RFC 3339 or ""
    std::string commit;           // from the clone step
    std::string build_type;       // dockerfile | buildpack, after detection
    std::string image;            // the pushed reference (repository:tag)
    std::string digest;           // sha256:...
    // The clone step found the commit among the ones already built with the
    // same settings (BuildRequest::reusable_commits) and nothing was built.
    bool reused = false;
    // The build is stuck (never scheduled, image never pulled) and its Job
    // must be deleted so nothing starts late.
    bool stop_job = false;
    // Look again after this long even if nothing changes (the unschedulable
    // timer); zero = no timer needed.
    std::chrono::seconds recheck_after{0};
};

// Where the operator asked the build to push: what a succeeded pod must report.
struct ImageDestination {
    std::string repository;  // <registry>/<project>/<app>
    std::string tag;         // "" = the first 12 characters of the commit the clone step reports
};

// `job` may be null (not created yet or deleted); `pods` are the Job's
// pods in any order (the newest one counts). A build completes only when
// its pod reports `destination` with a digest (or a reused commit).
BuildObservation observe_build(const boost::json::object* job, const std::vector<boost::json::object>& pods,
                               std::chrono::system_clock::time_point now, const BuildConfig& config,
                               const ImageDestination& destination);

}  // namespace sb::op::appbuild
