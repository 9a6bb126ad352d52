#pragma once
// Turns a failed API response into the one line sb prints and its exit code.
// No I/O: the rendering is unit-tested.
#include <string>
#include <string_view>

#include "cli/cli_error.hpp"

namespace sb::cli {

// The server's {"error": {"code", "message", "field"}} when the body is one.
struct ApiErrorBody {
    std::string code, message, field;
};
ApiErrorBody parse_api_error(std::string_view body);

// `what` describes the request ("list apps"); `server` is the server's URL.
CliError api_failure(int status, std::string_view body, std::string_view what, std::string_view server);

}  // namespace sb::cli
