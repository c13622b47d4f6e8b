// A small persistent thread pool: workers spin briefly for the next job (a dispatch to a
// spinning worker costs ~1 µs) and then sleep on a condition variable so an idle process does
// not burn a core. The calling thread always takes part.
//
// Work is handed out as numbered chunks claimed from one atomic counter, and the caller claims
// chunks too: a worker that is descheduled (a loaded machine) or still asleep simply gets none,
// so the caller never waits for a thread that has not started its share; it waits only for
// chunks already being run. The counter's high 32 bits hold the job's generation, so a late
// worker cannot claim a chunk of a job other than the one whose function it then calls.
#include <atomic>
#include <condition_variable>
#include <cstdlib>
#include <mutex>
#include <thread>
#include <vector>
#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define KESTREL_PAUSE() _mm_pause()
#else
#define KESTREL_PAUSE() ((void)0)
#endif
#include "kestrel.h"

namespace kestrel {
namespace {

thread_local bool in_task = false;

struct Pool {
  int size = 1;  // threads including the caller
  std::vector<std::thread> workers;
  // (generation << 32) | next chunk to claim. Chunks ≥ count are exhausted.
  std::atomic<uint64_t> state{0};
  std::atomic<uint32_t> count{0};
  std::atomic<int> done{0};
  std::atomic<int> sleepers{0};
  const std::function<void(int)>* task = nullptr;
  std::mutex m;
  std::condition_variable cv;
  std::mutex busy;  // one parallel region at a time (Node worker_threads may share the addon)

  explicit Pool(int n) : size(n) {
    for (int t = 1; t < n; t++) workers.emplace_back([this] { loop(); });
  }

  /** Claim and run chunks of the current job until none is left. */
  void drain() {
    uint64_t s = state.load(std::memory_order_acquire);
    for (;;) {
      const uint32_t c = (uint32_t)s;
      if (c >= count.load(std::memory_order_acquire)) return;
      // The CAS fails if another thread claimed c or a new job started; s is reloaded.
      if (!state.compare_exchange_weak(s, s + 1, std::memory_order_acq_rel)) continue;
      // Holding an unfinished chunk of generation s>>32 keeps the caller waiting, so `task`
      // and `count` still belong to that job.
      (*task)((int)c);
      done.fetch_add(1, std::memory_order_release);
      s = state.load(std::memory_order_acquire);
    }
  }

  void loop() {
    in_task = true;
    uint64_t seenGen = 0;
    for (;;) {
      auto fresh = [&] { return (state.load(std::memory_order_acquire) >> 32) != seenGen; };
      // Spin ~50-100 µs: back-to-back kernels (a training step) find the worker awake.
      for (int i = 0; i < 20000 && !fresh(); i++) KESTREL_PAUSE();
      if (!fresh()) {
        std::unique_lock<std::mutex> lk(m);
        sleepers.fetch_add(1);
        cv.wait(lk, fresh);
        sleepers.fetch_sub(1);
      }
      seenGen = state.load(std::memory_order_acquire) >> 32;
      drain();
    }
  }

  void run(int n, const std::function<void(int)>& fn) {
    // Every chunk of the previous job is done (the caller waited), so no worker touches these.
    const uint64_t gen = (state.load(std::memory_order_relaxed) >> 32) + 1;
    count.store(0, std::memory_order_relaxed);
    task = &fn;
    done.store(0, std::memory_order_relaxed);
    state.store(gen << 32, std::memory_order_seq_cst);
    count.store((uint32_t)n, std::memory_order_seq_cst);
    if (sleepers.load() > 0) {
      std::lock_guard<std::mutex> lk(m);
      cv.notify_all();
    }
    drain();
    while (done.load(std::memory_order_acquire) < n) KESTREL_PAUSE();
  }
};

int env_threads() {
  const char* s = std::getenv("KESTREL_NUM_THREADS");
  int n = s ? std::atoi(s) : 0;
  if (n <= 0) n = (int)std::thread::hardware_concurrency();
  if (n <= 0) n = 1;
  return n > 64 ? 64 : n;
}

Pool& pool() {
  // Leaked on purpose: joining threads during process exit can deadlock in some runtimes.
  static Pool* p = new Pool(env_threads());
  return *p;
}

}  // namespace

int num_threads() { return pool().size; }

void parallel_for(int n, const std::function<void(int)>& fn) {
  Pool& p = pool();
  if (n <= 1 || p.size <= 1 || in_task) {
    for (int t = 0; t < n; t++) fn(t);
    return;
  }
  std::unique_lock<std::mutex> lk(p.busy, std::try_to_lock);
  if (!lk.owns_lock()) {  // another JS thread is using the pool: run serially
    for (int t = 0; t < n; t++) fn(t);
    return;
  }
  in_task = true;
  p.run(n, fn);
  in_task = false;
}

}  // namespace kestrel
