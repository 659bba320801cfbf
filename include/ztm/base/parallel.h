// parallel_for: data-parallel loops for CPU-bound crypto batches (the HPKE
// encryptions of an UpdatePath, the leaf signatures a joiner checks, the X.509 chains
// of a roster). It is not a concurrency framework: callers stay single-threaded
// owners of their state; only the loop body runs on several threads, and the result
// is the same as a serial loop's (each index is handled exactly once, by one thread).
//
// Workers: a process-wide pool of `parallelism() - 1` threads started on first use;
// the calling thread works too. parallelism() is std::thread::hardware_concurrency()
// capped at 8, or the environment variable ZTM_THREADS (1 = everything serial, the
// choice for deterministic profiling). A call made from inside a loop body runs
// serially (no nested fan-out, no deadlock).
#pragma once

#include <cstddef>
#include <functional>

namespace ztm {

// parallelism is how many threads a parallel_for may use, the caller included.
std::size_t parallelism();

// set_parallelism overrides parallelism() for this process (tests and benchmarks
// compare 1 with the default). Values are clamped to [1, 64]. Call it before the
// first parallel_for, or while none is running.
void set_parallelism(std::size_t threads);

// parallel_for calls body(begin, end) on disjoint ranges covering [0, count), each at
// least `grain` long (except the last), and returns when all have finished. Bodies
// must not throw: an exception escaping one terminates the process, as it would from
// a thread. Below 2 * grain items, or with parallelism() == 1, it runs body(0, count)
// on the calling thread.
void parallel_for(std::size_t count, std::size_t grain,
                  const std::function<void(std::size_t begin, std::size_t end)>& body);

}  // namespace ztm
