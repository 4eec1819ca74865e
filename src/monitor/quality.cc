#include "monitor/quality.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <tuple>

#include "base/fs.h"
#include "base/numbers.h"
#include "schema/csv.h"

namespace covidflow::monitor {
namespace {

using json = nlohmann::json;

int64_t FloorTo(int64_t t, int64_t step) {
  int64_t q = t / step;
  if (t % step != 0 && t < 0) --q;
  return q * step;
}

// A tweet id or label as text: strings as they are, integers exactly (ids above 2^53 are
// written as JSON integers by some producers), other numbers and booleans in JSON's form.
std::optional<std::string> AsText(const json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_number_integer() || v.is_number_unsigned() || v.is_boolean()) return v.dump();
  if (v.is_number_float()) return v.dump();
  return std::nullopt;
}

bool EndsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

// The rows one figure is computed on: a window of one model version (Report), or its newest
// labelled predictions (Newest).
struct Group {
  WindowQuality w;
  std::vector<int32_t> truth;
  std::vector<int32_t> predicted;
  std::vector<double> probabilities;
  // A regression's rows.
  std::vector<double> truth_values;
  std::vector<double> predicted_values;

  size_t joined() const { return w.regression ? truth_values.size() : truth.size(); }
};

// A regression label: the whole text is a finite number ("3", "2.5", "-1e3").
std::optional<double> ParseNumber(std::string_view s) {
  double v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc() || p != s.data() + s.size() || !std::isfinite(v)) {
    return std::nullopt;
  }
  return v;
}

// Adds `p` with its label to `g`; false (counted as foreign) when the label is none of the
// version's classes, or, for a regression, not a number.
bool AddJoined(Group& g, const LivePrediction& p, const std::string& label) {
  if (g.w.regression) {
    const std::optional<double> truth = ParseNumber(label);
    if (!truth || !p.value) {
      ++g.w.foreign_labels;
      return false;
    }
    g.truth_values.push_back(*truth);
    g.predicted_values.push_back(*p.value);
    return true;
  }
  const auto& classes = g.w.classes;
  const auto truth = std::find(classes.begin(), classes.end(), label);
  if (truth == classes.end()) {
    ++g.w.foreign_labels;
    return false;
  }
  const auto predicted = std::find(classes.begin(), classes.end(), p.label);
  g.truth.push_back(static_cast<int32_t>(truth - classes.begin()));
  g.predicted.push_back(static_cast<int32_t>(predicted - classes.begin()));
  for (const auto& [name, prob] : p.probabilities) g.probabilities.push_back(prob);
  return true;
}

WindowQuality Scored(Group g) {
  g.w.joined = static_cast<int64_t>(g.joined());
  if (g.w.regression) {
    g.w.metrics = Status::FailedPrecondition("a regression model: see its MAE and RMSE");
    if (g.w.joined > 0) {
      // The one implementation of the regression metrics (model/metrics.h).
      g.w.regression_metrics = model::EvaluateRegression({g.truth_values, g.predicted_values});
    }
    return std::move(g.w);
  }
  g.w.regression_metrics = Status::FailedPrecondition("a classifier: see its accuracy");
  if (g.w.joined > 0) {
    model::ClassifiedRows rows;
    rows.num_classes = static_cast<int>(g.w.classes.size());
    rows.truth = std::move(g.truth);
    rows.predicted = std::move(g.predicted);
    rows.probabilities = std::move(g.probabilities);
    g.w.metrics = model::EvaluateClassification(rows);
  }
  return std::move(g.w);
}

}  // namespace

size_t QualityJoin::KeyHash::operator()(const Key& k) const {
  const std::hash<std::string> h;
  return h(k.tweet_id) ^ (h(k.model) * 31) ^ (h(k.version) * 131);
}

QualityJoin::QualityJoin(QualityOptions options) : options_(std::move(options)) {}

void QualityJoin::CountMalformed(std::string reason) { ++counts_.malformed[std::move(reason)]; }

void QualityJoin::AddPrediction(LivePrediction p) {
  ++counts_.predictions_read;
  counts_.watermark_ms = std::max(counts_.watermark_ms, p.time_ms);
  if (!options_.model.empty() && p.model != options_.model) {
    ++counts_.predictions_of_other_models;
    return;
  }
  if (p.tweet_id.empty()) {
    ++counts_.predictions_without_tweet_id;
    return;
  }
  // A regression model's record has a value and no class; its version's classes are none.
  std::vector<std::string> classes;
  if (p.value) {
    if (!std::isfinite(*p.value) || !p.probabilities.empty()) {
      CountMalformed("prediction: a value that is not a finite number, or with probabilities");
      return;
    }
  } else {
    if (p.probabilities.empty()) {
      CountMalformed("prediction: no probabilities");
      return;
    }
    for (const auto& [name, prob] : p.probabilities) classes.push_back(name);
    if (std::find(classes.begin(), classes.end(), p.label) == classes.end()) {
      CountMalformed("prediction: label is none of its classes");
      return;
    }
  }
  auto [it, fresh] = classes_.try_emplace({p.model, p.version}, classes);
  if (!fresh && it->second != classes) {
    CountMalformed("prediction: classes differ from the version's first prediction");
    return;
  }
  Key key{p.tweet_id, p.model, p.version};
  if (seen_.contains(key)) {
    ++counts_.duplicate_predictions;
    return;
  }
  seen_.emplace(std::move(key), predictions_.size());
  predictions_.push_back(std::move(p));
}

void QualityJoin::AddLabel(DelayedLabel label) {
  ++counts_.labels_read;
  if (label.time_ms) counts_.watermark_ms = std::max(counts_.watermark_ms, *label.time_ms);
  if (labels_.contains(label.tweet_id)) {
    ++counts_.duplicate_labels;
    return;
  }
  std::string id = label.tweet_id;
  labels_.emplace(std::move(id), std::move(label));
}

QualityReport QualityJoin::Report() const {
  QualityReport report;
  report.counts = counts_;
  using GroupKey = std::tuple<int64_t, std::string, std::string>;
  std::map<GroupKey, Group> groups;
  // Per label: 1 = in time for some prediction, 2 = only late.
  std::unordered_map<std::string, int> label_use;
  for (const LivePrediction& p : predictions_) {
    const int64_t start = FloorTo(p.time_ms, options_.window_ms);
    Group& g = groups[{start, p.model, p.version}];
    if (g.w.predictions == 0) {
      g.w.start_ms = start;
      g.w.end_ms = start + options_.window_ms;
      g.w.closed = g.w.end_ms + options_.lateness_ms <= counts_.watermark_ms;
      g.w.model = p.model;
      g.w.version = p.version;
      g.w.regression = p.value.has_value();
      for (const auto& [name, prob] : p.probabilities) g.w.classes.push_back(name);
    }
    ++g.w.predictions;
    auto found = labels_.find(p.tweet_id);
    if (found == labels_.end()) {
      ++g.w.unlabelled;
      continue;
    }
    const DelayedLabel& label = found->second;
    int& use = label_use[label.tweet_id];
    if (label.time_ms && *label.time_ms >= g.w.end_ms + options_.lateness_ms) {
      ++g.w.late_labels;
      if (use == 0) use = 2;
      continue;
    }
    use = 1;
    AddJoined(g, p, label.label);
  }
  for (const auto& [id, label] : labels_) {
    auto use = label_use.find(id);
    if (use == label_use.end()) {
      ++report.counts.labels_unknown;
    } else if (use->second == 1) {
      ++report.counts.labels_joined;
    } else {
      ++report.counts.labels_late;
    }
  }
  for (auto& [key, g] : groups) report.windows.push_back(Scored(std::move(g)));
  return report;
}

std::vector<WindowQuality> QualityJoin::Newest(int64_t n) const {
  // Per model version, its predictions newest first (time, then the order they were read).
  std::map<std::pair<std::string, std::string>, std::vector<size_t>> by_version;
  for (size_t i = 0; i < predictions_.size(); ++i) {
    by_version[{predictions_[i].model, predictions_[i].version}].push_back(i);
  }
  std::vector<WindowQuality> out;
  for (auto& [key, indices] : by_version) {
    std::stable_sort(indices.begin(), indices.end(), [&](size_t a, size_t b) {
      return predictions_[a].time_ms > predictions_[b].time_ms;
    });
    Group g;
    g.w.model = key.first;
    g.w.version = key.second;
    g.w.classes = classes_.at(key);
    g.w.regression = predictions_[indices.front()].value.has_value();
    for (size_t i : indices) {
      if (static_cast<int64_t>(g.joined()) >= n) break;
      const LivePrediction& p = predictions_[i];
      ++g.w.predictions;
      auto found = labels_.find(p.tweet_id);
      if (found == labels_.end()) {
        ++g.w.unlabelled;
        continue;
      }
      if (!AddJoined(g, p, found->second.label)) continue;
      g.w.start_ms = p.time_ms;
      if (g.w.end_ms == 0) g.w.end_ms = p.time_ms + 1;
    }
    out.push_back(Scored(std::move(g)));
  }
  return out;
}

Result<DelayedLabel> ParseLabelJson(std::string_view value, const std::string& id_column,
                                    const std::string& label_column, int64_t timestamp_ms) {
  json j = json::parse(value, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) {
    return Status::InvalidArgument("label: not a JSON object");
  }
  DelayedLabel label;
  auto id = j.find(id_column);
  auto id_text = id == j.end() ? std::nullopt : AsText(*id);
  if (!id_text || id_text->empty()) {
    return Status::InvalidArgument("label: no " + id_column);
  }
  label.tweet_id = std::move(*id_text);
  auto value_it = j.find(label_column);
  auto label_text = value_it == j.end() ? std::nullopt : AsText(*value_it);
  if (!label_text) return Status::InvalidArgument("label: no " + label_column);
  label.label = std::move(*label_text);
  auto time = j.find("time_ms");
  if (time != j.end() && !time->is_null()) {
    if (!time->is_number_integer()) {
      return Status::InvalidArgument("label: time_ms is not an integer");
    }
    label.time_ms = time->get<int64_t>();
  } else if (timestamp_ms > 0) {
    label.time_ms = timestamp_ms;
  }
  return label;
}

Status ReadLabelFile(const std::string& path, const std::string& id_column,
                     const std::string& label_column, QualityJoin& join) {
  const bool csv = EndsWith(path, ".csv");
  if (!csv && !EndsWith(path, ".jsonl") && !EndsWith(path, ".json")) {
    return Status::InvalidArgument("--labels " + path +
                                   ": expected FILE.csv, FILE.jsonl or LOG_URI#topic");
  }
  if (!PathExists(path)) return Status::NotFound(path + " does not exist");
  ASSIGN_OR_RETURN(std::string data, ReadWholeFile(path));
  std::string_view rest = data;
  if (rest.substr(0, 3) == "\xEF\xBB\xBF") rest.remove_prefix(3);
  if (!csv) {
    while (!rest.empty()) {
      const size_t eol = rest.find('\n');
      std::string_view line = rest.substr(0, eol);
      rest = eol == std::string_view::npos ? std::string_view() : rest.substr(eol + 1);
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      if (line.find_first_not_of(" \t") == std::string_view::npos) continue;
      auto label = ParseLabelJson(line, id_column, label_column, 0);
      if (label.ok()) {
        join.AddLabel(std::move(*label));
      } else {
        join.CountMalformed(label.status().message());
      }
    }
    return Status::Ok();
  }
  schema::CsvSplitter splitter(rest);
  std::string_view record;
  std::vector<std::string> header;
  if (!splitter.Next(&record) || schema::SplitCsvFields(record, &header)) {
    return Status::InvalidArgument(path + ": no CSV header row");
  }
  auto column = [&](const std::string& name) -> std::optional<size_t> {
    auto it = std::find(header.begin(), header.end(), name);
    if (it == header.end()) return std::nullopt;
    return static_cast<size_t>(it - header.begin());
  };
  const auto id = column(id_column);
  const auto value = column(label_column);
  const auto time = column("time_ms");
  if (!id) return Status::InvalidArgument(path + ": no column '" + id_column + "' (--id-column)");
  if (!value) {
    return Status::InvalidArgument(path + ": no column '" + label_column + "' (--label-column)");
  }
  std::vector<std::string> fields;
  while (splitter.Next(&record)) {
    if (record.empty()) continue;
    if (schema::SplitCsvFields(record, &fields) || fields.size() != header.size()) {
      join.CountMalformed("label: malformed CSV record");
      continue;
    }
    if (fields[*id].empty()) {
      join.CountMalformed("label: no " + id_column);
      continue;
    }
    DelayedLabel label{fields[*id], fields[*value], std::nullopt};
    if (time && !fields[*time].empty()) {
      label.time_ms = ParseInt(fields[*time]);
      if (!label.time_ms) {
        join.CountMalformed("label: time_ms is not an integer");
        continue;
      }
    }
    join.AddLabel(std::move(label));
  }
  return Status::Ok();
}

Result<int64_t> ParseDurationMs(std::string_view text) {
  size_t digits = 0;
  while (digits < text.size() && text[digits] >= '0' && text[digits] <= '9') ++digits;
  const std::string_view unit = text.substr(digits);
  auto number = ParseInt(text.substr(0, digits));
  int64_t scale = 0;
  if (unit == "ms") scale = 1;
  if (unit == "s") scale = 1000;
  if (unit == "m") scale = 60 * 1000;
  if (unit == "h") scale = 3600 * 1000;
  if (unit == "d") scale = 24 * 3600 * 1000;
  if (!number || *number <= 0 || scale == 0 || *number > INT64_MAX / scale) {
    return Status::InvalidArgument("'" + std::string(text) +
                                   "' is not a duration (a positive number and ms, s, m, h or d)");
  }
  return *number * scale;
}

}  // namespace covidflow::monitor
