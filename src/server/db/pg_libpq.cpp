#include "server/db/pg_libpq.hpp"

#include <dlfcn.h>

#include "server/db/sql.hpp"

namespace sb::server::db::pg {

namespace {

Libpq load() {
    void* handle = dlopen("libpq.so.5", RTLD_NOW | RTLD_LOCAL);
    if (handle == nullptr)
        throw Error(
            Error::Kind::unavailable,
            std::string("postgres: cannot load libpq (Debian package libpq5): ") + dlerror());
    Libpq functions;
#define SB_LIBPQ_LOAD(name)                                                     \
    functions.name = reinterpret_cast<decltype(&::name)>(dlsym(handle, #name)); \
    if (functions.name == nullptr)                                              \
        throw Error(Error::Kind::unavailable, "postgres: libpq.so.5 has no " #name);
    SB_LIBPQ_FUNCTIONS(SB_LIBPQ_LOAD)
#undef SB_LIBPQ_LOAD
    return functions;  // the library stays loaded for the life of the process
}

}  // namespace

const Libpq& libpq() {
    static const Libpq loaded = load();
    return loaded;
}

}  // namespace sb::server::db::pg
