#pragma once
// libpq, loaded (dlopen) when the server opens a PostgreSQL URL: a server on
// SQLite never maps it, nor what it pulls in (Kerberos, LDAP, GnuTLS, a
// second OpenSSL: about 4 MiB of idle RSS, bench/server/README.md).
#include <libpq-fe.h>

namespace sb::server::db::pg {

// The libpq functions the server calls, each under its own name.
#define SB_LIBPQ_FUNCTIONS(X)                                                                                          \
    X(PQconnectStartParams) X(PQconnectPoll) X(PQstatus) X(PQerrorMessage) X(PQsocket) X(PQsetnonblocking)            \
    X(PQfinish) X(PQsendQueryParams) X(PQflush) X(PQconsumeInput) X(PQisBusy) X(PQgetResult) X(PQresultStatus)        \
    X(PQclear) X(PQnfields) X(PQfname) X(PQntuples) X(PQgetisnull) X(PQgetvalue) X(PQgetlength) X(PQcmdTuples)        \
    X(PQresultErrorField) X(PQresultErrorMessage) X(PQconninfoParse) X(PQconninfoFree) X(PQfreemem)

struct Libpq {
#define SB_LIBPQ_MEMBER(name) decltype(&::name) name = nullptr;
    SB_LIBPQ_FUNCTIONS(SB_LIBPQ_MEMBER)
#undef SB_LIBPQ_MEMBER
};

// Loads libpq.so.5 on first use; throws db::Error (unavailable) naming the
// Debian package when it is missing.
const Libpq& libpq();

}  // namespace sb::server::db::pg
