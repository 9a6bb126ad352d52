#pragma once
// settings: installation-wide named values (the licence, the master-key check).
#include <optional>
#include <string>

#include "server/store/querier.hpp"

namespace sb::server::store {

// The installed licence document.
inline constexpr const char* kLicenceSetting = "licence";

class SettingStore {
public:
    explicit SettingStore(Querier q) : q_(q) {}

    asio::awaitable<std::optional<std::string>> get(std::string name);
    // Replaces the value (delete, then insert: the same statements on both engines).
    asio::awaitable<void> put(std::string name, std::string value);
    // Leaves an existing value alone.
    asio::awaitable<void> put_if_absent(std::string name, std::string value);

private:
    Querier q_;
};

}  // namespace sb::server::store
