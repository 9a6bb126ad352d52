#include "operator/helm/helm_chart_owner.hpp"

#include "operator/common/crd_types.hpp"
#include "kube/object_helpers.hpp"

namespace sb::op::helm {

void check_chart_owner(const boost::json::object& chart, std::string_view owner_kind_view, std::string_view owner_uid) {
    if (get_string(chart, "metadata.uid").empty()) return;  // about to be created
    const auto name = get_string(chart, "metadata.name");
    const auto ns = get_string(chart, "metadata.namespace");
    const std::string owner_kind(owner_kind_view);
    const auto* controller = kube::controller_of(chart);
    if (!controller)
        throw ChartOwnedElsewhere("HelmChart " + name + " in " + ns + " exists and is not managed by ShapeBlock; delete it or rename the " +
                                  owner_kind);
    if (get_string(*controller, "uid") == owner_uid) return;
    const auto kind = get_string(*controller, "kind");
    const auto other = get_string(*controller, "name");
    if (kind == owner_kind)
        throw ChartOwnedElsewhere("HelmChart " + name + " still belongs to an earlier " + kind + " " + other +
                                  " (being removed); it is written once that one is gone");
    throw ChartOwnedElsewhere("HelmChart " + name + " belongs to " + kind + " " + other +
                              ": an App and a Service in one project cannot share a name; rename one of them");
}

}  // namespace sb::op::helm
