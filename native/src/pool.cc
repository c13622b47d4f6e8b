// A small persistent thread pool: workers spin briefly for the next task (a dispatch to a
// spinning worker costs ~1 µs) and then sleep on a condition variable so an idle process does
// not burn a core. The calling thread always takes part as tid 0.
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

struct Pool {
  int size = 1;  // threads including the caller
  std::vector<std::thread> workers;
  std::atomic<uint64_t> gen{0};
  std::atomic<int> pending{0};
  std::atomic<int> sleepers{0};
  int active = 0;
  const std::function<void(int)>* task = nullptr;
  std::mutex m;
  std::condition_variable cv;
  std::mutex busy;  // one parallel region at a time (Node worker_threads may share the addon)

  explicit Pool(int n) : size(n) {
    for (int t = 1; t < n; t++) workers.emplace_back([this, t] { loop(t); });
  }

  void loop(int tid) {
    uint64_t seen = 0;
    for (;;) {
      // Spin ~50-100 µs: back-to-back kernels (a training step) find the worker awake.
      for (int i = 0; i < 20000 && gen.load(std::memory_order_acquire) == seen; i++) KESTREL_PAUSE();
      if (gen.load(std::memory_order_acquire) == seen) {
        std::unique_lock<std::mutex> lk(m);
        sleepers.fetch_add(1);
        cv.wait(lk, [&] { return gen.load() != seen; });
        sleepers.fetch_sub(1);
      }
      seen = gen.load(std::memory_order_acquire);
      if (tid < active) {
        (*task)(tid);
        pending.fetch_sub(1, std::memory_order_release);
      }
    }
  }

  void run(int n, const std::function<void(int)>& fn) {
    task = &fn;
    active = n;
    pending.store(n - 1, std::memory_order_relaxed);
    gen.fetch_add(1);  // seq_cst: a worker that registers as a sleeper after this sees the new gen
    if (sleepers.load() > 0) {
      std::lock_guard<std::mutex> lk(m);
      cv.notify_all();
    }
    fn(0);
    while (pending.load(std::memory_order_acquire) > 0) KESTREL_PAUSE();
  }
};

thread_local bool in_task = false;

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
  if (n > p.size) n = p.size;
  if (n <= 1 || in_task) {
    for (int t = 0; t < (n < 1 ? 1 : n); t++) fn(t);
    return;
  }
  std::unique_lock<std::mutex> lk(p.busy, std::try_to_lock);
  if (!lk.owns_lock()) {  // another JS thread is using the pool: run serially
    for (int t = 0; t < n; t++) fn(t);
    return;
  }
  auto wrapped = [&](int tid) {
    in_task = true;
    fn(tid);
    in_task = false;
  };
  p.run(n, wrapped);
}

}  // namespace kestrel
