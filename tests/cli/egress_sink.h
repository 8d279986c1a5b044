// A loopback TCP + UDP sink for the egress end-to-end tests: listens on 127.0.0.1 with an
// ephemeral port (TCP and UDP on the same port number), counts every byte per TCP connection
// and every datagram, and replies:
//   TCP: once a connection has received `reply_after` bytes (if > 0), it sends "ok <n>\n" once
//        (n = bytes received so far) and keeps counting until the peer closes.
//   UDP: every datagram is answered with "ok <len>\n" to its sender.
// Runs on its own thread; all accessors are thread-safe.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>
#include <vector>

namespace sluice::testing {

class LoopbackSink {
 public:
  struct Connection {
    uint64_t bytes_in = 0;   // what the guest sent on it
    uint64_t bytes_out = 0;  // what the sink replied
    bool closed = false;
  };
  struct Totals {
    uint64_t accepted = 0, closed = 0;
    uint64_t tcp_bytes_in = 0, tcp_bytes_out = 0;
    uint64_t datagrams_in = 0, udp_bytes_in = 0, datagrams_out = 0, udp_bytes_out = 0;
  };

  explicit LoopbackSink(uint64_t reply_after = 0);
  ~LoopbackSink();
  LoopbackSink(const LoopbackSink&) = delete;
  LoopbackSink& operator=(const LoopbackSink&) = delete;

  uint16_t port() const { return port_; }
  // Waits until at least `n` TCP connections were accepted and all accepted ones closed, and
  // until at least `datagrams` datagrams arrived. False on timeout.
  bool wait_idle(uint64_t n, uint64_t datagrams = 0,
                 std::chrono::milliseconds timeout = std::chrono::seconds(10));
  std::vector<Connection> connections() const;
  Totals totals() const;

 private:
  void run();

  uint64_t reply_after_;
  int listen_fd_ = -1, udp_fd_ = -1, wake_[2] = {-1, -1};
  uint16_t port_ = 0;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Connection> conns_;
  Totals totals_;
  std::thread thread_;
};

// A loopback TCP port with nothing listening on it (bound, then closed): connects are refused.
uint16_t closed_loopback_port();

}  // namespace sluice::testing
