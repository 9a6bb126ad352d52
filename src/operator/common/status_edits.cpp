#include "operator/common/status_edits.hpp"

#include "kube/object_helpers.hpp"

namespace sb::op {

kube::Task<void> patch_status(kube::Client& client, const kube::ResourceRef& resource, const boost::json::object& obj,
                              boost::json::object status) {
    status["observedGeneration"] = object_generation(obj);
    if (status == current_status(obj)) co_return;
    co_await client.merge_patch(resource, kube::object_namespace(obj), kube::object_name(obj),
                                wrap("status", std::move(status)), kStatusSubresource, kWriteOptions);
}

}  // namespace sb::op
