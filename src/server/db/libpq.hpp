#pragma once
// libpq, loaded on first use with dlopen: a server on SQLite (the default)
// never maps libpq and the dozen libraries it pulls in (Kerberos, LDAP,
// GnuTLS ...), which is most of its idle memory otherwise.
#include <libpq-fe.h>

namespace sb::server::db {

struct LibPq {
#define SB_LIBPQ_FUNCTIONS(X)                                                                                         \
    X(PQconnectdb) X(PQstatus) X(PQerrorMessage) X(PQfinish) X(PQreset) X(PQsetnonblocking) X(PQsocket)            \
    X(PQsendQueryParams) X(PQflush) X(PQisBusy) X(PQconsumeInput) X(PQgetResult) X(PQclear) X(PQresultStatus)      \
    X(PQnfields) X(PQfname) X(PQntuples) X(PQgetisnull) X(PQgetvalue) X(PQgetlength) X(PQcmdTuples)                \
    X(PQresultErrorField) X(PQresultErrorMessage)
#define SB_LIBPQ_MEMBER(name) decltype(&::name) name = nullptr;
    SB_LIBPQ_FUNCTIONS(SB_LIBPQ_MEMBER)
#undef SB_LIBPQ_MEMBER
};

// Loads libpq.so.5 once (thread-safe); throws db::Error (unavailable) naming
// the missing library or symbol.
const LibPq& libpq();

}  // namespace sb::server::db
