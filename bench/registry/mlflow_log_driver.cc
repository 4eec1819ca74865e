// Logs METRICS metric points (one key per 100 steps) to a new run on an MLflow server through
// covidflow's MLflow backend, --rounds times, each into a fresh run, and prints one line per
// round: "seconds <elapsed of LogRunData alone>". Driven by mlflow_log_vs_python.py.
//   bench_registry_mlflow_log URL EXPERIMENT METRICS ROUNDS
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "registry/mlflow/mlflow_registry.h"

int main(int argc, char** argv) {
  using namespace covidflow::registry;  // NOLINT: a small benchmark program
  if (argc != 5) {
    std::fprintf(stderr, "usage: bench_registry_mlflow_log URL EXPERIMENT METRICS ROUNDS\n");
    return 2;
  }
  const int n = std::atoi(argv[3]);
  const int rounds = std::atoi(argv[4]);
  auto reg = mlflow::OpenMlflowRegistry(argv[1]);
  if (!reg.ok()) {
    std::fprintf(stderr, "%s\n", reg.status().ToString().c_str());
    return 1;
  }
  RunData data;
  const int64_t t0 = 1'700'000'000'000;
  for (int i = 0; i < n; ++i) {
    data.metrics.push_back({"m" + std::to_string(i / 100), i * 0.001, i % 100, t0 + i});
  }
  for (int r = 0; r < rounds; ++r) {
    auto run = (*reg)->CreateRun({argv[2], "covidflow-" + std::to_string(r), 0, {}});
    if (!run.ok()) {
      std::fprintf(stderr, "%s\n", run.status().ToString().c_str());
      return 1;
    }
    const auto start = std::chrono::steady_clock::now();
    covidflow::Status s = (*reg)->LogRunData(run->id, data);
    const double secs =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (!s.ok()) {
      std::fprintf(stderr, "%s\n", s.ToString().c_str());
      return 1;
    }
    std::printf("seconds %.6f run %s\n", secs, run->id.c_str());
    std::fflush(stdout);
  }
  return 0;
}
