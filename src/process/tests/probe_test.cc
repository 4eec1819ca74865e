#include "process/probe.h"

#include <gtest/gtest.h>

namespace covidflow::process {
namespace {

TEST(ProbeTest, SnapshotCountsEveryOutcome) {
  ProcessorProbe probe(/*trace=*/false);
  EXPECT_FALSE(probe.polled());
  probe.RecordPolled();
  EXPECT_TRUE(probe.polled());
  probe.RecordEnriched();
  probe.RecordEnriched();
  probe.RecordDeadLetter("bad_number");
  probe.RecordDeadLetter("bad_number");
  probe.RecordDeadLetter("column_count");
  probe.RecordRecovered("");
  probe.RecordRecovered("bad_number");
  probe.RecordHandedOver();
  probe.RecordLakeRows(5, 2);
  probe.RecordBatch();
  probe.RecordLostCommit();
  ProcessorCounts c = probe.Snapshot();
  EXPECT_EQ(c.consumed, 7);
  EXPECT_EQ(c.enriched, 3);
  EXPECT_EQ(c.dead_letters, 4);
  EXPECT_EQ(c.consumed, c.enriched + c.dead_letters);
  EXPECT_EQ(c.recovered, 2);
  EXPECT_EQ(c.dead_letters_by_reason.at("bad_number"), 3);
  EXPECT_EQ(c.dead_letters_by_reason.at("column_count"), 1);
  EXPECT_EQ(c.dead_letters_by_reason.size(), 2u);
  EXPECT_EQ(c.handed_over, 1);
  EXPECT_EQ(c.lake_rows, 5);
  EXPECT_EQ(c.lake_files, 2);
  EXPECT_EQ(c.batches, 1);
  EXPECT_EQ(c.lost_commits, 1);
  EXPECT_GE(c.seconds, 0);
}

TEST(ProbeTest, OnlyPhasesThatRanAreReported) {
  ProcessorProbe probe(false);
  probe.BeginPhase();
  probe.EndPhase(Phase::kPoll);
  probe.EndPhase(Phase::kSend);
  probe.EndPhase(Phase::kPoll);
  ProcessorCounts c = probe.Snapshot();
  ASSERT_EQ(c.phase_seconds.size(), 2u);
  EXPECT_TRUE(c.phase_seconds.contains("poll"));
  EXPECT_TRUE(c.phase_seconds.contains("send"));
  EXPECT_GE(c.phase_seconds.at("poll"), 0);
}

TEST(ProbeTest, ActiveTimeStartsAtTheFirstRecord) {
  ProcessorProbe probe(false);
  probe.RecordCommitted();  // nothing polled yet: no active time
  EXPECT_EQ(probe.Snapshot().active_seconds, 0);
  probe.RecordPolled();
  probe.RecordCommitted();
  EXPECT_GE(probe.Snapshot().active_seconds, 0);
  EXPECT_LE(probe.Snapshot().active_seconds, probe.Snapshot().seconds);
}

TEST(ProbeTest, PhaseNamesAreTheCountsKeys) {
  EXPECT_EQ(PhaseName(Phase::kPoll), "poll");
  EXPECT_EQ(PhaseName(Phase::kPrepare), "prepare");
  EXPECT_EQ(PhaseName(Phase::kTransform), "transform");
  EXPECT_EQ(PhaseName(Phase::kLake), "lake");
  EXPECT_EQ(PhaseName(Phase::kSend), "send");
  EXPECT_EQ(PhaseName(Phase::kSync), "sync");
  EXPECT_EQ(PhaseName(Phase::kCommit), "commit");
}

TEST(ProbeTest, CountsGoToTheRegistryAsTheyHappen) {
  metrics::Registry registry;
  ProcessorProbe probe(false, &registry);
  probe.RecordEnriched();
  probe.RecordDeadLetter("bad_number");
  probe.RecordDeadLetter("bad_number");
  probe.RecordRecovered("");
  probe.RecordLakeRows(3, 2);
  probe.RecordLakeRows(4, 5);  // the sink's running count: 3 more files
  probe.RecordBatch();
  probe.RecordBatch();
  probe.BeginPhase();
  probe.EndPhase(Phase::kSend);
  const std::string text = registry.Exposition();
  for (const char* line :
       {"covidflow_process_records_consumed_total 4", "covidflow_process_records_enriched_total 2",
        "covidflow_process_dead_letters_total{reason=\"bad_number\"} 2",
        "covidflow_process_records_recovered_total 1", "covidflow_process_lake_rows_total 7",
        "covidflow_process_lake_files_total 5", "covidflow_process_batches_total 2",
        "covidflow_process_batch_seconds_count 1",
        "covidflow_process_phase_seconds_count{phase=\"send\"} 1",
        "covidflow_process_phase_seconds_count{phase=\"poll\"} 0"}) {
    EXPECT_NE(text.find(line), std::string::npos) << line << "\n" << text;
  }
  // The snapshot says the same.
  ProcessorCounts c = probe.Snapshot();
  EXPECT_EQ(c.consumed, 4);
  EXPECT_EQ(c.dead_letters_by_reason.at("bad_number"), 2);
}

}  // namespace
}  // namespace covidflow::process
