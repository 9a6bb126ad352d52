#pragma once
// users: the accounts that sign in.
#include <optional>
#include <string>
#include <vector>

#include "server/store/querier.hpp"

namespace sb::server::store {

struct User {
    std::string id;
    std::string email;
    std::string name;
    bool is_admin = false;
    std::int64_t created_at = 0;
};

struct UserWithPassword {
    User user;
    std::string password_hash;
};

class UserStore {
public:
    explicit UserStore(Querier q) : q_(q) {}

    asio::awaitable<std::optional<User>> find(std::string id);
    asio::awaitable<std::optional<UserWithPassword>> find_by_email_with_password(std::string email);
    asio::awaitable<std::optional<std::string>> id_by_email(std::string email);
    asio::awaitable<std::optional<std::string>> password_hash(std::string id);
    asio::awaitable<bool> exists(std::string id);
    // `email` filters when not empty.
    asio::awaitable<std::vector<User>> list(PageQuery page, std::string email);
    asio::awaitable<std::int64_t> count();
    asio::awaitable<void> insert(User user, std::string password_hash);
    asio::awaitable<void> set_password(std::string id, std::string password_hash);

private:
    Querier q_;
};

}  // namespace sb::server::store
