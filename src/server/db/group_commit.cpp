#include "server/db/group_commit.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace sb::server::db {
namespace asio = boost::asio;

namespace {

// The writer connection inside a group: statements run inline (they only
// touch SQLite's page cache; the fsync happens at COMMIT, elsewhere).
class GroupSession final : public Session {
public:
    GroupSession(SqliteConnection& connection, std::vector<TableWrite>& writes) : connection_(connection), writes_(writes) {}
    asio::awaitable<Result> query(std::string sql, Params params) override {
        if (auto write = classify_write(sql)) writes_.push_back(std::move(*write));
        co_return connection_.run(sql, params);
    }

private:
    SqliteConnection& connection_;
    std::vector<TableWrite>& writes_;
};

std::exception_ptr lost_with_group() {
    return std::make_exception_ptr(
        Error(Error::Kind::unavailable, "sqlite: the transaction was rolled back together with a failing one; retry"));
}

}  // namespace

GroupCommitWriter::GroupCommitWriter(asio::any_io_executor io, SqliteConnection& connection, CommitObserver on_commit)
    : strand_(asio::make_strand(io)), connection_(connection), on_commit_(std::move(on_commit)), gather_timer_(strand_) {}

GroupCommitWriter::~GroupCommitWriter() { sync_thread_.join(); }

asio::awaitable<void> GroupCommitWriter::transact(Body body) {
    // Named, not a temporary in the co_await expression (GCC 12 destroys those twice).
    auto initiate = [this](auto handler, Body work) {
        asio::any_io_executor caller = asio::get_associated_executor(handler, strand_);
        enqueue(Job{std::move(work), std::move(handler), std::move(caller)});
    };
    co_await asio::async_initiate<const asio::use_awaitable_t<>&, void(std::exception_ptr)>(initiate, asio::use_awaitable,
                                                                                            std::move(body));
}

void GroupCommitWriter::enqueue(Job job) {
    asio::dispatch(strand_, [this, job = std::move(job)]() mutable {
        queue_.push_back(std::move(job));
        if (gathering_ && queue_.size() >= last_group_) gather_timer_.cancel();
        if (draining_) return;
        draining_ = true;
        asio::co_spawn(strand_, drain(), asio::detached);
    });
}

void GroupCommitWriter::complete(Job& job, std::exception_ptr error) {
    asio::post(job.caller, [done = std::move(job.done), error]() mutable { std::move(done)(error); });
}

asio::awaitable<void> GroupCommitWriter::drain() {
    while (!queue_.empty()) {
        if (queue_.size() < last_group_) {
            gathering_ = true;
            gather_timer_.expires_after(kGatherWindow);
            co_await gather_timer_.async_wait(asio::as_tuple(asio::use_awaitable));
            gathering_ = false;
        }
        last_group_ = co_await run_group();
    }
    draining_ = false;
}

asio::awaitable<void> GroupCommitWriter::on_sync_thread(const char* sql) {
    auto work = [this, sql]() -> asio::awaitable<void> {
        connection_.run(sql, {});
        co_return;
    };
    co_await asio::co_spawn(sync_thread_.get_executor(), std::move(work), asio::use_awaitable);
}

asio::awaitable<std::size_t> GroupCommitWriter::run_group() {
    std::exception_ptr failure;
    try {
        // IMMEDIATE takes the write lock now; it may wait (busy timeout) for another process.
        co_await on_sync_thread("BEGIN IMMEDIATE");
    } catch (...) {
        failure = std::current_exception();
    }
    if (failure) {
        std::size_t taken = queue_.size();
        while (!queue_.empty()) {
            complete(queue_.front(), failure);
            queue_.pop_front();
        }
        co_return taken;
    }

    std::vector<Job> group;
    // A body may have failed because of a row an earlier body of the group
    // wrote (a unique name): its caller hears of it only once that row is
    // committed, so a retry or a read after the error sees the row.
    std::vector<std::pair<Job, std::exception_ptr>> failed;
    auto answer_failed = [&] {
        for (auto& [job, error] : failed) complete(job, error);
    };
    std::vector<TableWrite> writes;
    bool lost = false;  // SQLite rolled the whole transaction back on its own
    while (!queue_.empty() && group.size() < kMaxGroup) {
        Job job = std::move(queue_.front());
        queue_.pop_front();
        std::size_t writes_before = writes.size();
        std::exception_ptr error;
        try {
            connection_.run("SAVEPOINT sb_job", {});
            GroupSession session(connection_, writes);
            co_await job.body(session);
            connection_.run("RELEASE sb_job", {});
        } catch (...) {
            error = std::current_exception();
        }
        if (!error) {
            group.push_back(std::move(job));
            continue;
        }
        writes.resize(writes_before);
        if (connection_.in_transaction()) {
            try {
                connection_.run("ROLLBACK TO sb_job", {});
                connection_.run("RELEASE sb_job", {});
            } catch (...) {
                lost = true;
            }
        } else {
            lost = true;
        }
        failed.emplace_back(std::move(job), error);
        if (lost) break;
    }

    if (lost) {
        if (connection_.in_transaction()) {
            try {
                connection_.run("ROLLBACK", {});
            } catch (...) {  // nothing more to undo
            }
        }
        for (auto& job : group) complete(job, lost_with_group());
        answer_failed();
        co_return group.size() + failed.size();
    }
    try {
        co_await on_sync_thread("COMMIT");
    } catch (...) {
        failure = std::current_exception();
    }
    if (failure) {
        try {
            co_await on_sync_thread("ROLLBACK");
        } catch (...) {  // the transaction may already be gone; the COMMIT's error is what matters
        }
        for (auto& job : group) complete(job, failure);
        answer_failed();
        co_return group.size() + failed.size();
    }
    if (on_commit_) on_commit_(writes);
    for (auto& job : group) complete(job, nullptr);
    answer_failed();
    co_return group.size() + failed.size();
}

}  // namespace sb::server::db
