#include "db/libpq.hpp"

#include <dlfcn.h>

#include <string>

#include "db/sql.hpp"

namespace sb::server::db {
namespace {

LibPq load() {
    // Kept loaded for the life of the process.
    void* handle = dlopen("libpq.so.5", RTLD_NOW | RTLD_LOCAL);
    if (handle == nullptr)
        throw Error(Error::Kind::unavailable,
                    std::string("PostgreSQL needs libpq.so.5 (Debian package libpq5): ") + dlerror());
    LibPq api;
#define SB_LIBPQ_LOAD(name)                                                                               \
    api.name = reinterpret_cast<decltype(api.name)>(dlsym(handle, #name));                                \
    if (api.name == nullptr) throw Error(Error::Kind::unavailable, "libpq.so.5 lacks " #name);
    SB_LIBPQ_FUNCTIONS(SB_LIBPQ_LOAD)
#undef SB_LIBPQ_LOAD
    return api;
}

}  // namespace

const LibPq& libpq() {
    static const LibPq api = load();  // a failed load throws and is retried on the next call
    return api;
}

}  // namespace sb::server::db
