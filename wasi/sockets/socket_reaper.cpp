#include "wasi/sockets/socket_reaper.h"

#include <atomic>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

#include "wasi/sockets/tcp_kernel_counters.h"

namespace sluice::wasi {

namespace {

struct Job {
  std::shared_ptr<HostFd> fd;
  TcpOpen open;
  egress::Egress* egress;
  egress::ClosedFlow flow;
};

void finish(Job& job) {
  if (job.egress != nullptr && job.flow.destination != nullptr) {
    if (auto kernel = read_kernel_tcp_counters(job.fd->get(), job.open)) {
      job.egress->kernel_checked(job.flow, *kernel);
    }
  }
  job.fd.reset();
}

class Worker {
 public:
  static constexpr std::size_t kMaxQueued = 4096;

  // False when the queue is full: the caller does the job itself.
  bool enqueue(Job& job) {
    std::lock_guard lock(mutex_);
    if (queue_.size() >= kMaxQueued) return false;
    queue_.push_back(std::move(job));
    ++queued_;
    wake_.notify_one();
    return true;
  }

  void drain() {
    std::unique_lock lock(mutex_);
    const uint64_t target = queued_;
    done_cv_.wait(lock, [&] { return done_ >= target; });
  }

  Worker() : thread_([this] { run(); }) { thread_.detach(); }

 private:
  [[noreturn]] void run() {
    for (;;) {
      Job job;
      {
        std::unique_lock lock(mutex_);
        wake_.wait(lock, [&] { return !queue_.empty(); });
        job = std::move(queue_.front());
        queue_.pop_front();
      }
      finish(job);
      {
        std::lock_guard lock(mutex_);
        ++done_;
      }
      done_cv_.notify_all();
    }
  }

  std::mutex mutex_;
  std::condition_variable wake_;
  std::condition_variable done_cv_;
  std::deque<Job> queue_;
  uint64_t queued_ = 0;
  uint64_t done_ = 0;
  std::thread thread_;  // detached: lives as long as the process, like the sandboxes it serves
};

std::atomic<Worker*> g_worker{nullptr};

Worker& worker() {
  // Leaked on purpose: a detached thread uses it until the process exits. Published once, for
  // drain(), which must not start a worker that was never needed.
  static Worker* instance = [] {
    auto* started = new Worker();
    g_worker.store(started, std::memory_order_release);
    return started;
  }();
  return *instance;
}

}  // namespace

void SocketReaper::reap(std::shared_ptr<HostFd> fd, TcpOpen open, egress::Egress* egress,
                        egress::ClosedFlow flow) {
  Job job{std::move(fd), open, egress, flow};
  if (!worker().enqueue(job)) finish(job);
}

void SocketReaper::drain() {
  if (Worker* w = g_worker.load(std::memory_order_acquire)) w->drain();
}

}  // namespace sluice::wasi
