// Fuzzes the Kubernetes quantity parser and the bodies that carry quantities
// (the scale body, a project's quota) and the quota check over them. The
// first byte picks the mode:
//   0: the rest is a quantity. A parsed value must come back unchanged from
//      its own formatting (as CPU and as memory); a refused one is fine.
//   1: the rest is a scale body, applied to an app spec; the resulting spec
//      is checked against a quota. Only 4xx ApiErrors may escape.
//   2: the rest is a quota body.
#include <boost/json/parse.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "server/api/project_quota.hpp"
#include "server/api/scale_body.hpp"
#include "server/core/json_input.hpp"
#include "server/core/quantity.hpp"
#include "tests/fuzz/fuzz_checks.hpp"

namespace {
using namespace sb::server;

void round_trip(std::string_view text) {
    auto value = parse_quantity(text);
    if (!value) return;
    if (*value < 0) std::abort();
    for (auto format : {format_cpu, format_memory}) {
        auto again = parse_quantity(format(*value));
        if (!again || *again != *value) {
            std::fprintf(stderr, "%.*s does not survive its formatting as %s\n", static_cast<int>(text.size()), text.data(),
                         format(*value).c_str());
            std::abort();
        }
    }
}

void scale_and_check(std::string_view text) {
    auto body = BodyReader::parse(text);
    boost::json::object spec;
    api::apply_scale_body(body, spec);
    body.finish();
    auto quota = boost::json::parse(R"({"cpu":"2","memory":"1Gi","pods":5})").as_object();
    api::check_quota(quota, api::footprint(spec), {api::footprint(spec)}, {});
}

void quota(std::string_view text) {
    auto body = BodyReader::parse(text);
    api::decode_quota(body.raw_object("quota").value_or(boost::json::object{}));
    body.finish();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    std::string_view rest(reinterpret_cast<const char*>(data) + 1, size - 1);
    try {
        switch (data[0] % 3) {
            case 0: round_trip(rest); break;
            case 1: scale_and_check(rest); break;
            default: quota(rest); break;
        }
    } catch (const ApiError& e) {
        fuzz::check_client_error(e);
    }
    return 0;
}
