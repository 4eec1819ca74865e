// A stand-in for the processor's lake side, for tests/integration/lake_crash_test.py: resumes
// from CommittedPositions, appends deterministic rows for source offsets it has not committed,
// commits every BATCH rows, and is killed with SIGKILL at random moments by the test.
//   lake_crash_driver LAKE_DIR ROWS_PER_PARTITION PARTITIONS BATCH
// Prints "done" when every partition reached ROWS_PER_PARTITION.
#include <cstdio>
#include <string>
#include <vector>

#include "lake/sink.h"
#include "lake/tests/test_rows.h"

int main(int argc, char** argv) {
  if (argc != 5) {
    std::fprintf(stderr, "usage: %s LAKE_DIR ROWS_PER_PARTITION PARTITIONS BATCH\n", argv[0]);
    return 2;
  }
  const std::string dir = argv[1];
  const int64_t per_partition = std::stoll(argv[2]);
  const int partitions = std::stoi(argv[3]);
  const int64_t batch = std::stoll(argv[4]);
  auto sink = covidflow::lake::LakeSink::Open(dir);
  if (!sink.ok()) {
    std::fprintf(stderr, "open: %s\n", sink.status().ToString().c_str());
    return 1;
  }
  auto positions = (*sink)->CommittedPositions();
  if (!positions.ok()) {
    std::fprintf(stderr, "positions: %s\n", positions.status().ToString().c_str());
    return 1;
  }
  // The next offset to write per partition: one past what the lake holds.
  std::vector<int64_t> next(partitions, 0);
  for (int p = 0; p < partitions; ++p) {
    auto it = positions->find(covidflow::TopicPartition{"tweets.raw", covidflow::PartitionId(p)});
    if (it != positions->end()) next[p] = it->second.value() + 1;
  }
  int64_t pending = 0;
  while (true) {
    bool any = false;
    for (int p = 0; p < partitions; ++p) {
      // Rows are interleaved across partitions, as a processor consuming several would.
      for (int k = 0; k < 50 && next[p] < per_partition; ++k, ++next[p]) {
        auto rows = covidflow::lake::testing::MakeRows(1, 1, next[p], p,
                                                       static_cast<uint64_t>(next[p] + 1));
        // Spread event dates over 5 days so a commit spans several partitions.
        rows[0].tweet.date.seconds += (next[p] % 5) * covidflow::lake::testing::kDay;
        (*sink)->Append(std::move(rows[0]));
        ++pending;
        any = true;
      }
    }
    if (pending >= batch || (!any && pending > 0)) {
      const auto st = (*sink)->Commit();
      if (!st.ok()) {
        std::fprintf(stderr, "commit: %s\n", st.ToString().c_str());
        return 1;
      }
      pending = 0;
    }
    if (!any) break;
  }
  std::printf("done\n");
  return 0;
}
