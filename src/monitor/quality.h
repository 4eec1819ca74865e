#pragma once
// Live quality: the prediction log joined with labels that arrive later (a file or a topic
// keyed by tweet id), scored per tumbling window of prediction time and per model version
// with model/metrics.h (scikit-learn's definitions). The rules, written down with their
// reasons in docs/monitoring.md ("Live quality"):
//
//   window     [start, start + window) of the prediction's time_ms, aligned to the Unix epoch
//              (1h windows are UTC hours)
//   closed     a window closes `lateness` after its end: its figures are published then
//   late       a label whose arrival time is at or after the close of its prediction's window:
//              counted in that window, left out of its figures (they were published without it)
//   duplicate  a second label for a tweet id: the first in the labels' order wins (what a
//              published window saw), later ones are counted; a second prediction of one
//              tweet by one model version: the first wins, the others are counted
//   unknown    a label whose tweet id no prediction considered has: counted
//   unlabelled predictions never labelled: counted per window
//   malformed  a record that cannot be read: counted by reason, never an error
//
// Threads: a QualityJoin belongs to one thread.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "base/status.h"
#include "model/metrics.h"

namespace covidflow::monitor {

// The fields of a prediction-log record the join reads (docs/formats/predictions.md).
struct LivePrediction {
  std::string tweet_id;
  std::string model;
  std::string version;
  std::string label;
  std::vector<std::pair<std::string, double>> probabilities;  // the model's class order
  int64_t time_ms = 0;
  // A regression model's predicted value (label and probabilities then empty); its labels
  // are numbers.
  std::optional<double> value;
};

struct DelayedLabel {
  std::string tweet_id;
  std::string label;
  std::optional<int64_t> time_ms;  // when it arrived; none = in time for every window
};

struct QualityOptions {
  int64_t window_ms = 3600 * 1000;
  int64_t lateness_ms = 24 * 3600 * 1000;
  std::string model;  // only this model's predictions; "" = every model
};

struct WindowQuality {
  int64_t start_ms = 0;
  int64_t end_ms = 0;
  bool closed = false;  // end + lateness <= the latest time either input has shown
  std::string model;
  std::string version;
  std::vector<std::string> classes;  // the model's, in its order; empty for a regression
  bool regression = false;           // a regression model's version: `regression_metrics`
  int64_t predictions = 0;
  int64_t joined = 0;      // rows the figures are computed on
  int64_t unlabelled = 0;  // predictions with no label
  int64_t late_labels = 0;
  // Labels that are none of the model's classes (a regression: labels that are not a number).
  int64_t foreign_labels = 0;
  // model::EvaluateClassification on the joined rows; an error (the reason) when none joined
  // or the version is a regression model's.
  Result<model::ClassificationMetrics> metrics =
      Status::FailedPrecondition("no labelled predictions");
  // A regression model's version: model::EvaluateRegression (MAE, RMSE, R²) on the joined
  // rows; an error (the reason) when none joined or the version is a classifier's.
  Result<model::RegressionMetrics> regression_metrics =
      Status::FailedPrecondition("no labelled predictions");
};

struct QualityCounts {
  int64_t predictions_read = 0;
  int64_t predictions_without_tweet_id = 0;
  int64_t predictions_of_other_models = 0;
  int64_t duplicate_predictions = 0;
  int64_t labels_read = 0;
  int64_t labels_joined = 0;   // in time for at least one prediction
  int64_t labels_late = 0;     // matched predictions, late for all of them
  int64_t labels_unknown = 0;  // no prediction has the tweet id
  int64_t duplicate_labels = 0;
  std::map<std::string, int64_t> malformed;  // reason → records
  int64_t watermark_ms = 0;                  // the latest time seen in either input
};

struct QualityReport {
  std::vector<WindowQuality> windows;  // by start, then model, then version
  QualityCounts counts;
};

class QualityJoin {
 public:
  explicit QualityJoin(QualityOptions options);

  // A prediction without a tweet id, of another model, a duplicate, or inconsistent with the
  // version's classes is counted, never an error.
  void AddPrediction(LivePrediction prediction);
  void AddLabel(DelayedLabel label);
  // A record that could not be read; `reason` names the input and what is wrong.
  void CountMalformed(std::string reason);

  QualityReport Report() const;

  // Per model version, the figures on its newest `n` labelled predictions (by time_ms, newest
  // first; windows and lateness play no part): one entry per version, `predictions` and
  // `unlabelled` counting those looked at to find them, start_ms and end_ms spanning the joined
  // ones (both 0 when none joined). What `up`'s loop calls a version's live quality.
  std::vector<WindowQuality> Newest(int64_t n) const;

 private:
  struct Key {
    std::string tweet_id;
    std::string model;
    std::string version;
    bool operator==(const Key&) const = default;
  };
  struct KeyHash {
    size_t operator()(const Key& k) const;
  };

  QualityOptions options_;
  QualityCounts counts_;
  std::vector<LivePrediction> predictions_;
  std::unordered_map<Key, size_t, KeyHash> seen_;  // → index in predictions_
  // The classes of each model version, from its first prediction.
  std::map<std::pair<std::string, std::string>, std::vector<std::string>> classes_;
  std::unordered_map<std::string, DelayedLabel> labels_;  // first label per tweet id
};

// Reads delayed labels from FILE.csv (header row) or FILE.jsonl (one object per line): the
// tweet id from `id_column`, the class from `label_column`, the arrival time from a
// `time_ms` column when there is one. A row lacking either is counted as malformed in
// `join`. kNotFound for a missing file; kInvalidArgument for another extension, a CSV without
// a header or a header without the two columns.
Status ReadLabelFile(const std::string& path, const std::string& id_column,
                     const std::string& label_column, QualityJoin& join);

// One label record of a topic: a JSON object with `id_column`, `label_column` and an optional
// time_ms (else `timestamp_ms`, the record's). kInvalidArgument with the reason otherwise.
Result<DelayedLabel> ParseLabelJson(std::string_view value, const std::string& id_column,
                                    const std::string& label_column, int64_t timestamp_ms);

// "90s", "30m", "1h", "2d" (or plain milliseconds "500ms"): a positive duration in ms.
Result<int64_t> ParseDurationMs(std::string_view text);

}  // namespace covidflow::monitor
