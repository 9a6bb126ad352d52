#include "common/base64.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace sb {
namespace {

TEST(Base64, RoundTripsAndRejectsGarbage) {
    for (const std::string& s : std::vector<std::string>{"", "a", "ab", "abc", "abcd", std::string("\0\xff\x10", 3)})
        EXPECT_EQ(base64_decode(base64_encode(s)), s);
    EXPECT_EQ(base64_encode("hello"), "aGVsbG8=");
    EXPECT_EQ(base64_decode("aGVs\nbG8="), "hello");
    EXPECT_THROW(base64_decode("a$=="), std::invalid_argument);
    EXPECT_THROW(base64_decode("aGVsbG8=x"), std::invalid_argument);
}

TEST(Base64, TryDecodeSaysNoInsteadOfThrowing) {
    EXPECT_EQ(try_base64_decode("aGVsbG8="), "hello");
    EXPECT_EQ(try_base64_decode("not base64!"), std::nullopt);
    EXPECT_EQ(try_base64_decode("a==="), std::nullopt);
}

}  // namespace
}  // namespace sb
