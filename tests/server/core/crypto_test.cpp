// Sealing secrets with the master key.
#include <gtest/gtest.h>

#include "server/core/crypto.hpp"

namespace sb::server {
namespace {

TEST(SecretBox, SealsAndDetectsTampering) {
    crypto::init();
    crypto::MasterKey key{};
    key.fill(7);
    crypto::SecretBox box(key);
    auto sealed = box.seal("hunter2");
    EXPECT_EQ(sealed.find("hunter2"), std::string::npos);
    EXPECT_EQ(box.open(sealed), "hunter2");
    EXPECT_NE(box.seal("hunter2"), sealed);  // fresh nonce every time
    crypto::MasterKey other{};
    other.fill(8);
    EXPECT_THROW(crypto::SecretBox(other).open(sealed), std::runtime_error);
    EXPECT_THROW(crypto::parse_master_key("c2hvcnQ="), std::runtime_error);
}

}  // namespace
}  // namespace sb::server
