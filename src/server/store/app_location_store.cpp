#include "server/store/app_location_store.hpp"

namespace sb::server::store {

asio::awaitable<std::optional<AppLocation>> find_app_location(Querier q, std::string app_id) {
    auto rows = co_await q.query("SELECT a.name, p.name, p.cluster_id FROM apps a JOIN projects p ON p.id = a.project_id "
                                 "WHERE a.id = $1",
                                 db::params(std::move(app_id)));
    if (rows.empty()) co_return std::nullopt;
    const auto& r = rows.one();
    co_return AppLocation{r.str(0), r.str(1), r.opt_str(2)};
}

}  // namespace sb::server::store
