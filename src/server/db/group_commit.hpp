#pragma once
// Group commit for the one SQLite writer connection. Transactions queue up;
// the writer opens one SQLite transaction, runs the queued bodies one after
// another, each inside its own SAVEPOINT (a failing body is rolled back alone
// and told at once), then COMMITs them together with a single fsync on its
// own thread. A body's caller resumes only after the COMMIT that includes it
// is durable. While one group is being synced the next one queues, so the
// fsync cost is shared by everyone who wrote meanwhile.
#include <boost/asio/any_completion_handler.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>

#include <chrono>
#include <deque>
#include <exception>

#include "server/db/sql.hpp"
#include "server/db/sqlite_connection.hpp"

namespace sb::server::db {

class GroupCommitWriter {
public:
    using Body = std::function<boost::asio::awaitable<void>(Session&)>;
    using CommitObserver = std::function<void(const std::vector<TableWrite>&)>;

    GroupCommitWriter(boost::asio::any_io_executor io, SqliteConnection& connection, CommitObserver on_commit);
    ~GroupCommitWriter();

    // Runs `body` in the next group; returns once its group is durable, or
    // throws what the body threw (its changes rolled back) or the COMMIT's error.
    boost::asio::awaitable<void> transact(Body body);

    // Groups of more than this many transactions commit in several steps.
    static constexpr std::size_t kMaxGroup = 256;
    // When fewer transactions wait than the last group held, the writers of
    // that group are most likely sending their next ones right now: wait up to
    // this long for them, so that one fsync covers them all instead of a few
    // (PostgreSQL's commit_delay). A lone writer never waits.
    static constexpr std::chrono::microseconds kGatherWindow{1000};

private:
    struct Job {
        Body body;
        boost::asio::any_completion_handler<void(std::exception_ptr)> done;
        boost::asio::any_io_executor caller;  // where `done` runs
    };

    void enqueue(Job job);
    boost::asio::awaitable<void> drain();
    // Runs one group; every job taken from the queue is completed.
    boost::asio::awaitable<std::size_t> run_group();  // returns how many jobs it took
    // Statements that may fsync or wait for a lock run on the sync thread.
    boost::asio::awaitable<void> on_sync_thread(const char* sql);
    void complete(Job& job, std::exception_ptr error);

    boost::asio::strand<boost::asio::any_io_executor> strand_;
    SqliteConnection& connection_;
    CommitObserver on_commit_;
    std::deque<Job> queue_;
    bool draining_ = false;
    std::size_t last_group_ = 0;
    bool gathering_ = false;
    boost::asio::steady_timer gather_timer_;
    boost::asio::thread_pool sync_thread_{1};
};

}  // namespace sb::server::db
