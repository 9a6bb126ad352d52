#pragma once
// Every column that may hold sealed ("v1:...") values, across tables: what
// the master-key rotation re-seals. A new sealed column must be listed in
// sealed_columns(); the rotation test fails if a sealed value is missed.
#include <string>
#include <vector>

#include "server/store/querier.hpp"

namespace sb::server::store {

struct SealedColumn {
    const char* table;
    const char* key_columns;  // "id" or "a, b": identifies the row
    const char* column;
};
const std::vector<SealedColumn>& sealed_columns();

struct SealedValue {
    std::vector<std::string> key;  // the values of key_columns, in order
    std::string sealed;
};

class SealedValueStore {
public:
    explicit SealedValueStore(Querier q) : q_(q) {}

    asio::awaitable<std::vector<SealedValue>> list(SealedColumn column);
    asio::awaitable<void> replace(SealedColumn column, SealedValue value);

private:
    Querier q_;
};

}  // namespace sb::server::store
