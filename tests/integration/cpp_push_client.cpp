// Pushes with prometheus-cpp's push library (Gateway::Push, PushAdd, Delete) to the address given
// on the command line, one step per invocation, so the test can look at /metrics in between.
//   cpp_push_client <port> push|pushadd|delete

#include <cstdlib>
#include <iostream>
#include <memory>
#include <string>

#include <prometheus/counter.h>
#include <prometheus/gateway.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

int main(int argc, char** argv) {
  if (argc != 3) {
    std::cerr << "usage: cpp_push_client <port> push|pushadd|delete\n";
    return 2;
  }
  const std::string step = argv[2];
  prometheus::Gateway gateway("127.0.0.1", argv[1], "cpp-job", {{"instance", "cpp-1"}});
  auto registry = std::make_shared<prometheus::Registry>();
  if (step == "push") {
    auto& records = prometheus::BuildCounter().Name("cpp_records_total").Help("Records synced.").Register(*registry);
    records.Add({{"resource", "product"}}).Increment(42);
    auto& latency = prometheus::BuildHistogram().Name("cpp_call_seconds").Help("Call latency.").Register(*registry);
    auto& histogram = latency.Add({}, prometheus::Histogram::BucketBoundaries{0.1, 1});
    histogram.Observe(0.05);
    histogram.Observe(0.5);
  } else if (step == "pushadd") {
    auto& last = prometheus::BuildGauge().Name("cpp_last_run_seconds").Help("Last run.").Register(*registry);
    last.Add({}).Set(1764841200);
  }
  gateway.RegisterCollectable(registry);
  int status = 0;
  if (step == "push") {
    status = gateway.Push();
  } else if (step == "pushadd") {
    status = gateway.PushAdd();
  } else if (step == "delete") {
    status = gateway.Delete();
  } else {
    return 2;
  }
  std::cout << status << "\n";
  return status >= 200 && status < 300 ? 0 : 1;
}
