#pragma once
// One HelmChart per App and per Service, each named after its owner: an App
// and a Service with the same name in one project would share it. A chart is
// never taken over: whoever wrote it first keeps it, and the other one is told
// in its status (phase Failed, reason HelmChartConflict) until it is renamed.
#include <boost/json/object.hpp>
#include <stdexcept>
#include <string>
#include <string_view>

namespace sb::op::helm {

class ChartOwnedElsewhere : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// Throws ChartOwnedElsewhere (with a message that says what to do) when
// `chart`, as the API server has it, exists and is not controlled by the
// object of this kind ("App", "Service") and uid. A chart that does not exist
// yet (no metadata.uid) is fine.
void check_chart_owner(const boost::json::object& chart, std::string_view owner_kind, std::string_view owner_uid);

}  // namespace sb::op::helm
