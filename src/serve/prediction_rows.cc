#include "serve/prediction_rows.h"

#include <chrono>

namespace covidflow::serve {

int64_t NowMillis() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::vector<PredictionRecord> PredictionRecords(const Scores& scores, const features::Table& rows,
                                                const ScoringCall& call) {
  const LoadedModel& m = *scores.model;
  const std::vector<std::string> inputs = m.model.pipeline.InputColumns();
  std::vector<const std::vector<std::string>*> columns;
  columns.reserve(inputs.size());
  for (const std::string& name : inputs) columns.push_back(rows.Column(name));
  const std::vector<std::string>* ids = rows.Column("tweet_id");
  if (ids == nullptr) ids = rows.Column("id");
  const std::string version = m.version > 0 ? std::to_string(m.version) : std::string();
  const int64_t time_ms = call.time_ms != 0 ? call.time_ms : NowMillis();
  const size_t k = scores.classes().size();

  std::vector<PredictionRecord> out(scores.rows);
  std::string canonical;
  for (size_t r = 0; r < scores.rows; ++r) {
    PredictionRecord& p = out[r];
    p.request_id = call.request_id;
    p.row = static_cast<int64_t>(r);
    if (ids != nullptr && r < ids->size() && !(*ids)[r].empty()) p.tweet_id = (*ids)[r];
    canonical.clear();
    for (const auto* column : columns) {
      if (column != nullptr && r < column->size()) canonical += (*column)[r];
      canonical.push_back('\x1f');
    }
    p.input_digest = InputDigest(canonical);
    p.model = m.name;
    p.version = version;
    p.role = call.role;
    if (scores.Regression()) {
      p.value = scores.Value(r);  // no label, no probabilities
      p.latency_seconds = call.latency_seconds;
      p.time_ms = time_ms;
      continue;
    }
    p.label = scores.Label(r);
    p.probabilities.reserve(k);
    for (size_t c = 0; c < k; ++c) {
      p.probabilities.emplace_back(scores.classes()[c], scores.Probability(r, c));
    }
    p.latency_seconds = call.latency_seconds;
    p.time_ms = time_ms;
  }
  return out;
}

}  // namespace covidflow::serve
