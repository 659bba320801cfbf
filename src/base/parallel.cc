#include "ztm/base/parallel.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdlib>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace ztm {
namespace {

// A worker thread that runs loop bodies sets this, so a nested parallel_for (a body
// that itself fans out) runs serially instead of waiting on its own pool.
thread_local bool t_inside_parallel_body = false;

std::size_t default_parallelism() {
  if (const char* env = std::getenv("ZTM_THREADS")) {
    char* end = nullptr;
    const unsigned long value = std::strtoul(env, &end, 10);
    if (end != env && *end == '\0' && value > 0) return std::min<unsigned long>(value, 64);
  }
  const unsigned hardware = std::thread::hardware_concurrency();
  return std::clamp<std::size_t>(hardware == 0 ? 1 : hardware, 1, 8);
}

std::atomic<std::size_t> g_parallelism{0};  // 0: not decided yet

// Job is one parallel_for call: chunks are claimed with an atomic counter by the
// caller and by every worker that wakes up while chunks remain.
struct Job {
  const std::function<void(std::size_t, std::size_t)>* body = nullptr;
  std::size_t count = 0;
  std::size_t chunk = 0;
  std::size_t chunks = 0;
  std::atomic<std::size_t> next{0};
  std::atomic<std::size_t> done{0};

  // run claims chunks until none is left; returns how many this thread finished.
  void run() {
    for (;;) {
      const std::size_t i = next.fetch_add(1, std::memory_order_relaxed);
      if (i >= chunks) return;
      const std::size_t begin = i * chunk;
      (*body)(begin, std::min(count, begin + chunk));
      done.fetch_add(1, std::memory_order_acq_rel);
    }
  }
};

// Pool owns the worker threads. One job runs at a time (calls from different
// threads queue on `submit_`): the loops it serves are short bursts of crypto.
class Pool {
 public:
  explicit Pool(std::size_t workers) {
    threads_.reserve(workers);
    for (std::size_t i = 0; i < workers; ++i) threads_.emplace_back([this] { work(); });
  }
  ~Pool() {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    wake_.notify_all();
    for (auto& t : threads_) t.join();
  }
  std::size_t workers() const { return threads_.size(); }

  void run(Job& job) {
    std::lock_guard submit(submit_);
    {
      std::lock_guard lock(mutex_);
      job_ = &job;
      ++generation_;
    }
    wake_.notify_all();
    t_inside_parallel_body = true;
    job.run();
    t_inside_parallel_body = false;
    // Wait until every chunk has finished and no worker still touches the job.
    std::unique_lock lock(mutex_);
    finished_.wait(lock, [&] {
      return job.done.load(std::memory_order_acquire) == job.chunks && active_ == 0;
    });
    job_ = nullptr;
  }

 private:
  void work() {
    t_inside_parallel_body = true;
    std::uint64_t seen = 0;
    std::unique_lock lock(mutex_);
    for (;;) {
      wake_.wait(lock, [&] { return stopping_ || (job_ != nullptr && generation_ != seen); });
      if (stopping_) return;
      seen = generation_;
      Job* job = job_;
      ++active_;
      lock.unlock();
      job->run();
      lock.lock();
      --active_;
      finished_.notify_all();
    }
  }

  std::mutex submit_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::condition_variable finished_;
  std::vector<std::thread> threads_;
  Job* job_ = nullptr;
  std::uint64_t generation_ = 0;
  std::size_t active_ = 0;
  bool stopping_ = false;
};

Pool& pool_for(std::size_t threads) {
  // Sized once, for the largest parallelism this process asks for; a later, smaller
  // setting just uses fewer chunks. Leaked on purpose: worker threads must not be
  // joined during static destruction while another static still runs a loop.
  static Pool* pool = new Pool(std::max<std::size_t>(threads, 2) - 1);
  return *pool;
}

}  // namespace

std::size_t parallelism() {
  std::size_t value = g_parallelism.load(std::memory_order_relaxed);
  if (value == 0) {
    value = default_parallelism();
    g_parallelism.store(value, std::memory_order_relaxed);
  }
  return value;
}

void set_parallelism(std::size_t threads) {
  g_parallelism.store(std::clamp<std::size_t>(threads, 1, 64), std::memory_order_relaxed);
}

void parallel_for(std::size_t count, std::size_t grain,
                  const std::function<void(std::size_t begin, std::size_t end)>& body) {
  if (count == 0) return;
  grain = std::max<std::size_t>(grain, 1);
  const std::size_t threads = parallelism();
  if (threads <= 1 || count < 2 * grain || t_inside_parallel_body) {
    body(0, count);
    return;
  }
  Pool& pool = pool_for(threads);
  const std::size_t usable = std::min(threads, pool.workers() + 1);
  // About four chunks per thread evens out chunks of unequal cost without making the
  // shared counter hot.
  const std::size_t wanted = std::max<std::size_t>(1, std::min(count / grain, usable * 4));
  Job job;
  job.body = &body;
  job.count = count;
  job.chunk = (count + wanted - 1) / wanted;
  job.chunks = (count + job.chunk - 1) / job.chunk;
  pool.run(job);
}

}  // namespace ztm
