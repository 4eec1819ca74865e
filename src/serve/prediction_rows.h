#pragma once
// The prediction records of one scoring call: one PredictionRecord (prediction_log.h) per
// scored row, built by the server for each request and by the stream for each chunk.
//
// Threads: plain functions of their arguments.
#include <cstdint>
#include <string>
#include <vector>

#include "features/table.h"
#include "serve/prediction_log.h"
#include "serve/scoring.h"

namespace covidflow::serve {

// What every row of one call shares.
struct ScoringCall {
  std::string request_id;
  Role role = Role::kChampion;
  double latency_seconds = 0;  // the model's time on the whole call
  int64_t time_ms = 0;         // 0 = now
};

// One record per row of `rows` as `scores` scored them (rows.rows() == scores.rows). Row r's
// tweet id is its value in the column "tweet_id" (else "id") when `rows` has one and the value
// is not empty; its input digest covers the values of the model's input columns in the
// pipeline's order, each followed by the byte 0x1F (a column the rows lack reads as empty).
std::vector<PredictionRecord> PredictionRecords(const Scores& scores, const features::Table& rows,
                                                const ScoringCall& call);

// Milliseconds since the Unix epoch (UTC), now.
int64_t NowMillis();

}  // namespace covidflow::serve
