#include "operator/agent/object_writer.hpp"

#include "agent/objects.hpp"
#include "common/json_fields.hpp"
#include "kube/async_event.hpp"
#include "kube/errors.hpp"
#include "kube/resource.hpp"
#include "operator/common/crd_types.hpp"
#include "operator/project/project_objects.hpp"

namespace sb::op::agent {

using sb::agent::Error;
using sb::agent::ErrorCode;

namespace {
constexpr auto kNamespaceWait = std::chrono::seconds(15);
}

const kube::ResourceRef* shapeblock_resource(std::string_view kind) {
    if (kind == "Project") return &crds::projects;
    if (kind == "App") return &crds::apps;
    if (kind == "AppBuild") return &crds::appbuilds;
    if (kind == "Service") return &crds::services;
    return nullptr;
}

Error error_from_exception(std::exception_ptr e) {
    try {
        std::rethrow_exception(e);
    } catch (const kube::ApiError& api) {
        if (kube::is_not_found(api)) return {ErrorCode::not_found, api.what()};
        if (api.code() == 403) return {ErrorCode::forbidden, api.what()};
        if (api.code() == 400 || api.code() == 409 || api.code() == 422)
            return {ErrorCode::invalid, api.what()};
        if (api.code() >= 500 || api.code() == 429) return {ErrorCode::unavailable, api.what()};
        return {ErrorCode::internal, api.what()};
    } catch (const kube::TransportError& t) {
        return {ErrorCode::unavailable, t.what()};
    } catch (const std::exception& other) {
        return {ErrorCode::internal, other.what()};
    }
}

bool ObjectWriter::cached_project_owns(std::string_view ns) const {
    for (const auto& project : projects_.store().list())
        if (desired_namespace_name(*project) == ns) return true;
    return false;
}

kube::Task<std::optional<Error>> ObjectWriter::check_namespace(const sb::agent::ObjectRef& ref) {
    if (!sb::agent::is_namespaced(ref.kind) || cached_project_owns(ref.namespace_))
        co_return std::nullopt;
    // A Project the server applied a moment ago may not be cached yet: ask.
    auto projects = co_await client_.list_all(crds::projects, "");
    for (const auto& project : projects.items)
        if (desired_namespace_name(project) == ref.namespace_) co_return std::nullopt;
    co_return Error{ErrorCode::forbidden,
                    "namespace '" + ref.namespace_ + "' does not belong to a ShapeBlock project"};
}

kube::Task<std::optional<Error>> ObjectWriter::apply(boost::json::object object) {
    sb::agent::ObjectRef ref;
    if (auto error = sb::agent::check_object(object, ref)) co_return error;
    std::exception_ptr failure;
    try {
        if (auto error = co_await check_namespace(ref)) co_return error;
        // Status belongs to the operator: the server's copy of it is never applied.
        object.erase("status");
        kube::ApplyOptions options;
        options.field_manager = std::string(kAgentFieldManager);
        options.force = true;
        bool namespace_missing = false;
        try {
            co_await client_.apply(*shapeblock_resource(ref.kind), object, options);
            co_return std::nullopt;
        } catch (const kube::ApiError& e) {
            if (!sb::agent::is_namespaced(ref.kind) || !kube::is_not_found(e)) throw;
            namespace_missing = true;
        }
        // The Project controller makes a project's namespace a moment after
        // the Project exists: an object the server sends right behind its
        // Project waits for it rather than failing.
        if (namespace_missing) {
            const bool ready = co_await wait_for_namespace(ref.namespace_);
            if (!ready)
                co_return Error{ErrorCode::unavailable, "namespace '" + ref.namespace_ +
                                                            "' of the project does not exist yet; retry"};
            co_await client_.apply(*shapeblock_resource(ref.kind), object, options);
        }
        co_return std::nullopt;
    } catch (...) {
        failure = std::current_exception();
    }
    co_return error_from_exception(failure);
}

kube::Task<bool> ObjectWriter::wait_for_namespace(std::string ns) {
    const auto deadline = std::chrono::steady_clock::now() + kNamespaceWait;
    for (;;) {
        try {
            co_await client_.get(kube::resources::namespaces, "", ns);
            co_return true;
        } catch (const kube::ApiError& e) {
            if (!kube::is_not_found(e)) throw;
        }
        if (std::chrono::steady_clock::now() >= deadline) co_return false;
        co_await kube::sleep_for(std::chrono::milliseconds(200), {});
    }
}

kube::Task<std::optional<Error>> ObjectWriter::remove(sb::agent::ObjectRef ref) {
    if (auto error = sb::agent::check_ref(ref)) co_return error;
    std::exception_ptr failure;
    try {
        if (auto error = co_await check_namespace(ref)) co_return error;
        co_await client_.remove(*shapeblock_resource(ref.kind), ref.namespace_, ref.name);
        co_return std::nullopt;
    } catch (const kube::ApiError& e) {
        if (kube::is_not_found(e)) co_return std::nullopt;  // already gone is what was asked
        failure = std::current_exception();
    } catch (...) {
        failure = std::current_exception();
    }
    co_return error_from_exception(failure);
}

}  // namespace sb::op::agent
