#include "web/sampler.h"

#include <algorithm>
#include <array>
#include <chrono>
#include <deque>
#include <functional>
#include <nlohmann/json.hpp>
#include <utility>

#include "log/progress.h"
#include "schema/codec.h"

namespace covidflow::web {
namespace {

using nlohmann::json;
constexpr std::string_view kOther = "other";
// The run metrics the model chart draws (train logs <split>_<metric>, app/learn.cc): figures on
// one 0..1 scale; the versions' documents carry every metric.
constexpr std::string_view kChartedMetrics[] = {"validation_accuracy", "validation_macro_f1",
                                                "validation_macro_recall", "validation_roc_auc"};

// Reads a topic from its start, a bounded number of records per call, outside any group. The
// consumer is made once the topic exists (before that the topic reads as empty).
class Tailer {
 public:
  Tailer(log::Log& log, std::string topic) : log_(log), topic_(std::move(topic)) {}

  Result<size_t> Read(size_t max, const std::function<void(const log::InRecord&)>& visit) {
    if (consumer_ == nullptr) {
      Result<log::TopicInfo> info = log_.DescribeTopic(topic_);
      if (!info.ok()) {
        if (info.status().code() == StatusCode::kNotFound) return size_t{0};
        return info.status();
      }
      ASSIGN_OR_RETURN(consumer_, log_.NewConsumer(log::ConsumerOptions{}));
      std::vector<std::pair<TopicPartition, Offset>> positions;
      for (const log::PartitionInfo& p : info->partitions) {
        positions.push_back({{topic_, p.partition}, p.start});
      }
      RETURN_IF_ERROR(consumer_->Assign(positions));
    }
    size_t n = 0;
    while (n < max) {
      ASSIGN_OR_RETURN(std::span<const log::InRecord> records,
                       consumer_->Poll(std::chrono::milliseconds(0)));
      if (records.empty()) break;
      for (const log::InRecord& r : records) visit(r);
      n += records.size();
    }
    return n;
  }

 private:
  log::Log& log_;
  std::string topic_;
  std::unique_ptr<log::Consumer> consumer_;
};

// Counts by key, at most `max_keys` keys; later keys count under "other".
void CountKey(std::map<std::string, int64_t>& counts, const std::string& key, size_t max_keys,
              int64_t n = 1) {
  auto it = counts.find(key);
  if (it == counts.end() && counts.size() >= max_keys)
    it = counts.try_emplace(std::string(kOther)).first;
  if (it == counts.end()) it = counts.try_emplace(key).first;
  it->second += n;
}

// {"x": [...], "series": [{"name", "values"}]}: series given as name → (x → value), aligned on
// the union of their x values (a series without a value at some x has null there).
json AlignedChart(const std::map<std::string, std::map<double, double>>& series) {
  std::map<double, size_t> xs;
  for (const auto& [name, points] : series) {
    for (const auto& [x, v] : points) xs.emplace(x, 0);
  }
  json x = json::array();
  size_t i = 0;
  for (auto& [value, index] : xs) {
    index = i++;
    x.push_back(value);
  }
  json out_series = json::array();
  for (const auto& [name, points] : series) {
    json values(xs.size(), nullptr);
    for (const auto& [px, v] : points) values[xs[px]] = v;
    out_series.push_back({{"name", name}, {"values", std::move(values)}});
  }
  return {{"x", std::move(x)}, {"series", std::move(out_series)}};
}

double NumberOr(const json& j, std::string_view key, double fallback) {
  auto it = j.find(key);
  return it != j.end() && it->is_number() ? it->get<double>() : fallback;
}

bool BoolOr(const json& j, std::string_view key, bool fallback) {
  auto it = j.find(key);
  return it != j.end() && it->is_boolean() ? it->get<bool>() : fallback;
}

std::string StringOf(const json& j, std::string_view key) {
  auto it = j.find(key);
  if (it == j.end()) return "";
  return it->is_string() ? it->get<std::string>() : it->dump();
}

// The kind of a monitor event: its "kind" field, else its "type" (the quality events of
// `monitor quality` say "type": "quality_below_threshold").
std::string EventKind(const json& e) {
  std::string kind = StringOf(e, "kind");
  return kind.empty() ? StringOf(e, "type") : kind;
}

// The event's window, Unix seconds: its start, else its end, else its time.
double EventSeconds(const json& e) {
  for (std::string_view key : {"window_start_ms", "window_end_ms", "time_ms"}) {
    double v = NumberOr(e, key, -1);
    if (v >= 0) return v / 1000.0;
  }
  return 0;
}

}  // namespace

struct Sampler::State {
  log::Log* log = nullptr;
  registry::Registry* registry = nullptr;
  Topics topics;
  SamplerOptions options;
  std::unique_ptr<log::Consumer> group;  // the processor group's, for Committed only
  std::unique_ptr<Tailer> dead_letters, enriched, events;
  int64_t samples = 0;
  int64_t errors = 0;
  std::string last_error;
  int64_t last_sample_ms = 0;

  // Throughput: totals at the previous sample, and the rates since.
  struct Totals {
    int64_t raw = 0, consumed = 0, enriched = 0, dead = 0, predictions = 0;
  };
  bool have_previous = false;
  Totals previous;
  int64_t previous_ms = 0;
  struct RatePoint {
    double t = 0;
    double ingested = 0, consumed = 0, enriched = 0, dead = 0, predictions = 0;
    int64_t lag = 0;
  };
  std::deque<RatePoint> rates;
  Totals totals;

  // Dead letters: totals by reason, and a ring of (time, totals) for the chart.
  std::map<std::string, int64_t> reasons;
  std::deque<std::pair<double, std::map<std::string, int64_t>>> reason_history;
  int64_t undecodable_dead_letters = 0;

  // Sentiment: counts per event-time bucket and per country, [negative, neutral, positive].
  using Mix = std::array<int64_t, 3>;
  int64_t bucket_seconds = 60;
  std::map<int64_t, Mix> buckets;
  std::map<std::string, Mix> countries;
  int64_t undecodable_enriched = 0;

  std::deque<json> monitor_events;
  int64_t undecodable_events = 0;
  json models = {{"models", json::array()}, {"x", json::array()}, {"series", json::array()}};

  template <typename T>
  void Push(std::deque<T>& ring, T value, size_t max) {
    ring.push_back(std::move(value));
    while (ring.size() > max) ring.pop_front();
  }

  Status SampleOffsets(int64_t now_ms);
  Status SampleTopics();
  Status SampleModels();
  void AddSentiment(int64_t seconds, int label, const std::string& country);

  json ThroughputJson() const;
  json DeadLettersJson() const;
  json SentimentJson() const;
  json DriftJson() const;
  json QualityJson() const;
  json StatusJson() const;
};

Status Sampler::State::SampleOffsets(int64_t now_ms) {
  Totals now;
  auto sum_ends = [&](const std::string& topic, int64_t& end) -> Status {
    Result<std::vector<log::PartitionProgress>> p = log::TopicProgress(*log, nullptr, topic);
    if (!p.ok()) return p.status().code() == StatusCode::kNotFound ? Status::Ok() : p.status();
    for (const log::PartitionProgress& pp : *p) end += pp.end;
    return Status::Ok();
  };
  RETURN_IF_ERROR(sum_ends(topics.enriched, now.enriched));
  RETURN_IF_ERROR(sum_ends(topics.dead_letters, now.dead));
  RETURN_IF_ERROR(sum_ends(topics.predictions, now.predictions));
  int64_t lag = 0;
  {
    Result<std::vector<log::PartitionProgress>> p =
        log::TopicProgress(*log, group.get(), topics.raw);
    if (!p.ok() && p.status().code() != StatusCode::kNotFound) return p.status();
    if (p.ok()) {
      for (const log::PartitionProgress& pp : *p) {
        now.raw += pp.end;
        now.consumed += pp.committed;
        lag += pp.lag();
      }
    }
  }
  totals = now;
  if (have_previous && now_ms > previous_ms) {
    const double dt = static_cast<double>(now_ms - previous_ms) / 1000.0;
    auto rate = [&](int64_t a, int64_t b) { return static_cast<double>(b - a) / dt; };
    Push(rates,
         RatePoint{static_cast<double>(now_ms) / 1000.0, rate(previous.raw, now.raw),
                   rate(previous.consumed, now.consumed), rate(previous.enriched, now.enriched),
                   rate(previous.dead, now.dead), rate(previous.predictions, now.predictions), lag},
         options.history);
  }
  have_previous = true;
  previous = now;
  previous_ms = now_ms;
  return Status::Ok();
}

void Sampler::State::AddSentiment(int64_t seconds, int label, const std::string& country) {
  buckets[seconds - seconds % bucket_seconds][static_cast<size_t>(label)]++;
  while (buckets.size() > options.max_buckets) {
    // Twice as wide: neighbours merge, so the chart keeps its whole span in bounded memory.
    bucket_seconds *= 2;
    std::map<int64_t, Mix> merged;
    for (const auto& [start, mix] : buckets) {
      Mix& m = merged[start - start % bucket_seconds];
      for (size_t i = 0; i < 3; ++i) m[i] += mix[i];
    }
    buckets = std::move(merged);
  }
  if (!country.empty()) {
    auto it = countries.find(country);
    if (it == countries.end()) {
      it = countries
               .try_emplace(countries.size() >= options.max_keys ? std::string(kOther) : country)
               .first;
    }
    it->second[static_cast<size_t>(label)]++;
  }
}

Status Sampler::State::SampleTopics() {
  const size_t max = options.max_records_per_topic;
  Status first_error;
  auto keep = [&](const Status& st) {
    if (!st.ok() && first_error.ok()) first_error = st;
  };
  keep(dead_letters
           ->Read(max,
                  [&](const log::InRecord& r) {
                    Result<schema::DeadLetter> d = schema::DecodeDeadLetterJson(r.value);
                    if (!d.ok()) {
                      ++undecodable_dead_letters;
                      return;
                    }
                    CountKey(reasons, std::string(schema::ReasonName(d->reason)), options.max_keys);
                  })
           .status());
  keep(enriched
           ->Read(max,
                  [&](const log::InRecord& r) {
                    Result<schema::EnrichedTweet> t = schema::DecodeEnrichedJson(r.value);
                    if (!t.ok()) {
                      ++undecodable_enriched;
                      return;
                    }
                    AddSentiment(t->tweet.date.seconds, static_cast<int>(t->sentiment.label),
                                 t->location.country);
                  })
           .status());
  keep(events
           ->Read(max,
                  [&](const log::InRecord& r) {
                    json e = json::parse(r.value, nullptr, /*allow_exceptions=*/false);
                    if (!e.is_object()) {
                      ++undecodable_events;
                      return;
                    }
                    Push(monitor_events, std::move(e), options.max_events);
                  })
           .status());
  return first_error;
}

Status Sampler::State::SampleModels() {
  if (registry == nullptr) return Status::Ok();
  ASSIGN_OR_RETURN(std::vector<registry::RegisteredModel> list, registry->ListModels());
  json out = json::array();
  // Chart: each version's metrics at the time it was registered, one series per model/metric.
  std::map<std::string, std::map<double, double>> series;
  constexpr size_t kMaxAudit = 200;
  for (const registry::RegisteredModel& m : list) {
    if (out.size() >= options.max_keys) break;
    ASSIGN_OR_RETURN(std::vector<registry::ModelVersion> versions, registry->ListVersions(m.name));
    json vs = json::array();
    for (const registry::ModelVersion& v : versions) {
      json metrics = json::object();
      if (!v.run_id.empty()) {
        Result<registry::Run> run = registry->GetRun(v.run_id);
        if (run.ok()) {
          for (const registry::Metric& point : run->metrics) {
            if (auto latest = run->LatestMetric(point.key)) metrics[point.key] = *latest;
          }
        }
      }
      for (const auto& [key, value] : metrics.items()) {
        if (std::find(std::begin(kChartedMetrics), std::end(kChartedMetrics), key) ==
            std::end(kChartedMetrics)) {
          continue;
        }
        const std::string name = m.name + " " + key;
        if (series.size() < options.max_keys || series.count(name)) {
          series[name][static_cast<double>(v.created_ms) / 1000.0] = value.get<double>();
        }
      }
      vs.push_back({{"version", v.version},
                    {"created_ms", v.created_ms},
                    {"run_id", v.run_id},
                    {"aliases", v.aliases},
                    {"description", v.description},
                    {"tags", v.tags},
                    {"metrics", std::move(metrics)}});
    }
    ASSIGN_OR_RETURN(std::vector<registry::AuditEntry> audit, registry->Audit(m.name));
    json entries = json::array();
    const size_t from = audit.size() > kMaxAudit ? audit.size() - kMaxAudit : 0;
    for (size_t i = from; i < audit.size(); ++i) {
      const registry::AuditEntry& a = audit[i];
      entries.push_back({{"seq", a.seq},
                         {"time_ms", a.time_ms},
                         {"actor", a.actor},
                         {"action", a.action},
                         {"target", a.target},
                         {"from", a.from},
                         {"to", a.to},
                         {"reason", a.reason}});
    }
    out.push_back({{"name", m.name},
                   {"aliases", m.aliases},
                   {"latest_version", m.latest_version},
                   {"versions", std::move(vs)},
                   {"audit", std::move(entries)}});
  }
  json chart = AlignedChart(series);
  chart["models"] = std::move(out);
  models = std::move(chart);
  return Status::Ok();
}

json Sampler::State::ThroughputJson() const {
  json x = json::array();
  std::array<json, 6> v;
  for (json& a : v) a = json::array();
  for (const RatePoint& p : rates) {
    x.push_back(p.t);
    v[0].push_back(p.ingested);
    v[1].push_back(p.consumed);
    v[2].push_back(p.enriched);
    v[3].push_back(p.dead);
    v[4].push_back(p.predictions);
    v[5].push_back(p.lag);
  }
  const char* names[] = {"ingested", "consumed", "enriched", "dead_lettered", "predicted", "lag"};
  json series = json::array();
  for (size_t i = 0; i < v.size(); ++i) {
    series.push_back({{"name", names[i]},
                      {"unit", i == 5 ? "records" : "records/s"},
                      {"values", std::move(v[i])}});
  }
  return {{"x", std::move(x)},
          {"series", std::move(series)},
          {"topics",
           {{"raw", topics.raw},
            {"enriched", topics.enriched},
            {"dead_letters", topics.dead_letters},
            {"predictions", topics.predictions},
            {"group", topics.processor_group}}},
          {"totals",
           {{"ingested", totals.raw},
            {"consumed", totals.consumed},
            {"enriched", totals.enriched},
            {"dead_lettered", totals.dead},
            {"predicted", totals.predictions},
            {"lag", totals.raw - totals.consumed}}}};
}

json Sampler::State::DeadLettersJson() const {
  std::map<std::string, std::map<double, double>> series;
  for (const auto& [t, counts] : reason_history) {
    for (const auto& [reason, n] : counts) series[reason][t] = static_cast<double>(n);
  }
  json out = AlignedChart(series);
  out["totals"] = reasons;
  out["undecodable"] = undecodable_dead_letters;
  return out;
}

json Sampler::State::SentimentJson() const {
  const char* names[] = {"negative", "neutral", "positive"};
  json x = json::array();
  std::array<json, 3> shares;
  for (json& s : shares) s = json::array();
  for (const auto& [start, mix] : buckets) {
    const double n = static_cast<double>(mix[0] + mix[1] + mix[2]);
    x.push_back(start);
    for (size_t i = 0; i < 3; ++i) shares[i].push_back(static_cast<double>(mix[i]) / n);
  }
  json series = json::array();
  for (size_t i = 0; i < 3; ++i) series.push_back({{"name", names[i]}, {"values", shares[i]}});
  // The countries with most tweets, most first.
  std::vector<std::pair<int64_t, std::string>> order;
  for (const auto& [country, mix] : countries)
    order.push_back({-(mix[0] + mix[1] + mix[2]), country});
  std::sort(order.begin(), order.end());
  if (order.size() > options.countries_shown) order.resize(options.countries_shown);
  json names_json = json::array(), rows = json::array();
  std::array<json, 3> by_country;
  for (json& s : by_country) s = json::array();
  for (const auto& [negative_n, country] : order) {
    const Mix& mix = countries.at(country);
    names_json.push_back(country);
    rows.push_back(-negative_n);
    for (size_t i = 0; i < 3; ++i) {
      by_country[i].push_back(static_cast<double>(mix[i]) / static_cast<double>(-negative_n));
    }
  }
  json country_series = json::array();
  for (size_t i = 0; i < 3; ++i) {
    country_series.push_back({{"name", names[i]}, {"values", by_country[i]}});
  }
  return {{"bucket_seconds", bucket_seconds},
          {"x", std::move(x)},
          {"series", std::move(series)},
          {"by_country",
           {{"countries", std::move(names_json)},
            {"rows", std::move(rows)},
            {"series", std::move(country_series)}}},
          {"undecodable", undecodable_enriched}};
}

json Sampler::State::DriftJson() const {
  // Per column, the drift score of each window. A column's score is its PSI when the event
  // has one (one scale for every column), else the method's score.
  std::map<std::string, std::map<double, double>> series;
  json windows = json::array();
  for (const json& e : monitor_events) {
    if (EventKind(e).find("drift") == std::string::npos) continue;
    const double t = EventSeconds(e);
    json drifted = json::array();
    auto add = [&](const std::string& column, const json& c) {
      if (!c.is_object()) return;
      const double score = NumberOr(c, "psi", NumberOr(c, "score", 0));
      if (series.size() < options.max_keys || series.count(column)) series[column][t] = score;
      if (BoolOr(c, "drifted", false)) drifted.push_back(column);
    };
    const json& columns = e.contains("columns") ? e["columns"] : json();
    if (columns.is_array()) {
      for (const json& c : columns) add(StringOf(c, "column"), c);
    } else if (columns.is_object()) {
      for (const auto& [name, c] : columns.items()) add(name, c);
    }
    windows.push_back({{"t", t},
                       {"dataset_drift", BoolOr(e, "dataset_drift", false)},
                       {"drifted_columns", std::move(drifted)}});
  }
  json out = AlignedChart(series);
  out["windows"] = std::move(windows);
  return out;
}

json Sampler::State::QualityJson() const {
  // Per model version and metric, its value in each window (events of `monitor quality` and
  // `monitor run`): either {"metric", "value"} or the figures as fields.
  std::map<std::string, std::map<double, double>> series;
  json events = json::array();
  for (const json& e : monitor_events) {
    if (EventKind(e).find("quality") == std::string::npos) continue;
    const double t = EventSeconds(e);
    const std::string who = StringOf(e, "model") + "/" + StringOf(e, "version");
    auto add = [&](const std::string& metric, double value) {
      const std::string name = who + " " + metric;
      if (series.size() < options.max_keys || series.count(name)) series[name][t] = value;
    };
    if (e.contains("metric") && e.contains("value")) {
      add(StringOf(e, "metric"), NumberOr(e, "value", 0));
    } else {
      for (std::string_view m : {"accuracy", "macro_f1", "roc_auc"}) {
        if (e.contains(m) && e[m].is_number()) add(std::string(m), e[m].get<double>());
      }
    }
    events.push_back(e);
  }
  json out = AlignedChart(series);
  out["events"] = std::move(events);
  return out;
}

json Sampler::State::StatusJson() const {
  return {
      {"samples", samples},       {"errors", errors},
      {"last_error", last_error}, {"last_sample_ms", last_sample_ms},
      {"log", log->Uri()},        {"registry", registry == nullptr ? "" : registry->Describe()}};
}

Result<std::unique_ptr<Sampler>> Sampler::Create(log::Log* log, registry::Registry* registry,
                                                 Topics topics, SamplerOptions options) {
  if (log == nullptr) return Status::InvalidArgument("dashboard: no log to sample");
  std::unique_ptr<Sampler> s(new Sampler());
  s->state_ = std::make_unique<State>();
  State& st = *s->state_;
  st.log = log;
  st.registry = registry;
  st.topics = std::move(topics);
  st.options = options;
  st.bucket_seconds = std::max<int64_t>(1, options.first_bucket_seconds);
  log::ConsumerOptions group;
  group.group = st.topics.processor_group;
  ASSIGN_OR_RETURN(st.group, log->NewConsumer(group));
  st.dead_letters = std::make_unique<Tailer>(*log, st.topics.dead_letters);
  st.enriched = std::make_unique<Tailer>(*log, st.topics.enriched);
  st.events = std::make_unique<Tailer>(*log, st.topics.events);
  s->docs_.resize(std::size(kDocumentNames));
  s->Publish();
  return s;
}

Sampler::~Sampler() = default;

Status Sampler::Sample(int64_t now_ms) {
  State& st = *state_;
  Status first_error;
  auto keep = [&](const Status& s, std::string_view what) {
    if (!s.ok() && first_error.ok()) first_error = s.WithContext(what);
  };
  keep(st.SampleOffsets(now_ms), "topic offsets");
  keep(st.SampleTopics(), "topics");
  st.Push(st.reason_history, {static_cast<double>(now_ms) / 1000.0, st.reasons},
          st.options.history);
  if (st.samples % std::max(1, st.options.models_every) == 0) keep(st.SampleModels(), "registry");
  ++st.samples;
  st.last_sample_ms = now_ms;
  if (!first_error.ok()) {
    ++st.errors;
    st.last_error = first_error.ToString();
  }
  Publish();
  return first_error;
}

void Sampler::Publish() {
  const State& st = *state_;
  const json docs[] = {st.ThroughputJson(), st.DeadLettersJson(), st.SentimentJson(),
                       st.DriftJson(),      st.QualityJson(),     st.models,
                       st.StatusJson()};
  std::vector<std::shared_ptr<const std::string>> out;
  for (const json& d : docs)
    out.push_back(std::make_shared<const std::string>(
        d.dump(-1, ' ', false, json::error_handler_t::replace)));
  std::lock_guard<std::mutex> lock(mu_);
  docs_ = std::move(out);
}

std::shared_ptr<const std::string> Sampler::Json(Document document) const {
  std::lock_guard<std::mutex> lock(mu_);
  return docs_[static_cast<size_t>(document)];
}

}  // namespace covidflow::web
