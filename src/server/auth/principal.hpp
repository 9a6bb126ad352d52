#pragma once
// The signed-in caller of a request.
#include <string>

namespace sb::server {

struct Principal {
    std::string user_id;
    std::string email;
    bool is_admin = false;
    bool via_cookie = false;
    std::string session_hash;  // when via_cookie
};

}  // namespace sb::server
