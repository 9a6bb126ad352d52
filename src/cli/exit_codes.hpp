#pragma once
// The exit codes sb documents (sb help, the man page, docs/cli.md).
namespace sb::cli {

enum class ExitCode : int {
    ok = 0,
    error = 1,        // the server refused the request (4xx other than below) or failed (5xx)
    usage = 2,        // bad command line: unknown command or flag, missing argument
    not_found = 3,    // the named team, project, app, ... does not exist
    auth = 4,         // not signed in, token revoked or expired (401), or not allowed (403)
    unreachable = 5,  // the server cannot be reached: connection refused, DNS, TLS, timeout
    failed = 6,       // an operation ran and failed: a build failed, an app did not come up
};

struct ExitCodeDoc {
    int code;
    const char* meaning;
};
inline constexpr ExitCodeDoc kExitCodeDocs[] = {
    {0, "success"},
    {1, "the server refused the request or failed (a 4xx not listed below, or a 5xx)"},
    {2, "usage error: unknown command or flag, missing or bad argument"},
    {3, "not found: the named team, project, app, build, service... does not exist"},
    {4, "authentication or permission: not signed in, token revoked or expired, role too low"},
    {5, "the server cannot be reached: connection refused, name resolution, TLS, timeout"},
    {6, "the operation failed: a build failed, or the app did not come up"},
};

}  // namespace sb::cli
