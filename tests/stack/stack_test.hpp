#pragma once
// A test suite sharing one Stack (started once per suite) that reads the
// cluster it drives through a SyncClient: the base of the stack tests.
#include <gtest/gtest.h>

#include <boost/json/object.hpp>
#include <functional>
#include <iostream>
#include <optional>

#include "tests/operator/support/operator_harness.hpp"
#include "tests/stack/stack.hpp"

namespace sb::stacktest {

class StackTest : public ::testing::Test {
protected:
    static void SetUpTestSuite() { stack_ = new Stack(); }
    static void TearDownTestSuite() {
        delete stack_;
        stack_ = nullptr;
    }
    void TearDown() override {
        if (HasFailure()) std::cerr << stack_->logs();
    }
    const ApiClient& api() { return stack_->api(); }
    std::string team_path() { return "/api/v1/teams/" + stack_->team(); }

    // Waits until the cluster has the object and it satisfies `ok` (when
    // given); nullopt when that never happened within a minute.
    std::optional<boost::json::object> in_cluster(const kube::ResourceRef& r, const std::string& ns, const std::string& name,
                                                  const std::function<bool(const boost::json::object&)>& ok = {}) {
        std::optional<boost::json::object> found;
        const bool reached = wait_until([&] {
            found = kube.try_get(r, ns, name);
            return found && (!ok || ok(*found));
        }, std::chrono::seconds(60));
        return reached ? found : std::nullopt;
    }

    static inline Stack* stack_ = nullptr;
    op::testing::SyncClient kube;
};

}  // namespace sb::stacktest
