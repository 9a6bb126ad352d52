#include "server/auth/role.hpp"

namespace sb::server {

std::optional<Role> parse_role(std::string_view text) {
    if (text == "viewer") return Role::viewer;
    if (text == "developer") return Role::developer;
    if (text == "admin") return Role::admin;
    if (text == "owner") return Role::owner;
    return std::nullopt;
}

std::string_view role_name(Role role) {
    switch (role) {
        case Role::viewer: return "viewer";
        case Role::developer: return "developer";
        case Role::admin: return "admin";
        case Role::owner: return "owner";
    }
    return "viewer";
}

}  // namespace sb::server
