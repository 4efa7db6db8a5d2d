#pragma once
// Lets a snapshot see a consistent cut of the series: appliers pass through the gate (two atomic
// increments when it is open), and close() waits until no batch is half applied and holds new
// ones back until open(). Closed only for the moment a snapshot copies the changed series.
//
// Thread safety: enter()/leave() from any number of threads; close()/open() from one thread at
// a time.

#include <atomic>

namespace syncmon {

class ApplyGate {
 public:
  void enter() {
    for (;;) {
      in_flight_.fetch_add(1, std::memory_order_seq_cst);
      if (!closed_.load(std::memory_order_seq_cst)) {
        return;
      }
      in_flight_.fetch_sub(1, std::memory_order_seq_cst);
      closed_.wait(true, std::memory_order_seq_cst);
    }
  }

  void leave() { in_flight_.fetch_sub(1, std::memory_order_seq_cst); }

  void close() {
    closed_.store(true, std::memory_order_seq_cst);
    while (in_flight_.load(std::memory_order_seq_cst) != 0) {
      // Appliers hold the gate for the time of a few atomic adds.
    }
  }

  void open() {
    closed_.store(false, std::memory_order_seq_cst);
    closed_.notify_all();
  }

 private:
  std::atomic<int> in_flight_{0};
  std::atomic<bool> closed_{false};
};

}  // namespace syncmon
