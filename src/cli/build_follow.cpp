#include "cli/build_follow.hpp"

#include <chrono>
#include <cstdio>

#include "cli/event_stream.hpp"
#include "cli/output.hpp"

namespace sb::cli {
namespace json = boost::json;

bool build_finished(std::string_view phase) { return phase == "Completed" || phase == "Failed"; }

std::string_view LogJoiner::fresh(std::string_view chunk) {
    if (past_ || stored_.empty()) {
        past_ = true;
        return chunk;
    }
    if (matched_ == std::string::npos) {
        // The first live chunk either is inside the stored log's tail or is all new.
        auto at = stored_.rfind(std::string(chunk));
        if (at == std::string::npos || at + chunk.size() < stored_.size() - std::min<std::size_t>(stored_.size(), 65536)) {
            past_ = true;
            return chunk;
        }
        matched_ = at + chunk.size();
        if (matched_ >= stored_.size()) past_ = true;
        return {};
    }
    std::string_view rest = std::string_view(stored_).substr(matched_);
    if (rest.starts_with(chunk)) {
        matched_ += chunk.size();
        if (matched_ >= stored_.size()) past_ = true;
        return {};
    }
    past_ = true;
    return chunk;
}

json::value follow_build(Invocation& inv, const std::string& builds_path, const std::string& build_id,
                         const std::function<void(std::string_view)>& on_phase) {
    auto& api = inv.api();
    const auto& context = inv.context();
    EventStream events(api.url(), api.options(), context.token, inv.team_id());
    events.subscribe("build:" + build_id);
    std::string stored;
    api.stream_text(builds_path + "/" + build_id + "/logs", [&](std::string_view data) { stored.append(data); }, "read the build log");
    std::fwrite(stored.data(), 1, stored.size(), stdout);
    std::fflush(stdout);
    LogJoiner joiner(std::move(stored));
    auto build = api.get(builds_path + "/" + build_id, "show build " + build_id);
    std::string phase = field(build, "status.phase");
    if (on_phase) on_phase(phase);
    auto last_check = std::chrono::steady_clock::now();
    while (!build_finished(phase)) {
        auto event = events.next(std::chrono::milliseconds(500));
        if (event && event->kind == "build.log") {
            auto fresh = joiner.fresh(field(event->data, "data"));
            std::fwrite(fresh.data(), 1, fresh.size(), stdout);
            std::fflush(stdout);
        } else if (event && event->kind == "build.updated") {
            auto next = field(event->data, "status.phase");
            if (!next.empty() && next != phase) {
                phase = next;
                if (on_phase) on_phase(phase);
            }
        }
        // Events are not replayed: the stored state is read now and then as well.
        if (std::chrono::steady_clock::now() - last_check > std::chrono::seconds(5) || build_finished(phase)) {
            build = api.get(builds_path + "/" + build_id, "show build " + build_id);
            auto next = field(build, "status.phase");
            if (next != phase) {
                phase = next;
                if (on_phase) on_phase(phase);
            }
            last_check = std::chrono::steady_clock::now();
        }
    }
    return build;
}

}  // namespace sb::cli
