#include "metrics/registry.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <set>

namespace covidflow::metrics {

struct Registry::Series {
  std::unique_ptr<Counter> counter;
  std::unique_ptr<Gauge> gauge;
  std::unique_ptr<Histogram> histogram;
  std::function<double()> read_gauge;     // a gauge callback series
  std::function<int64_t()> read_counter;  // a counter callback series
};

struct Registry::Family {
  Type type;
  std::string help;
  std::vector<double> buckets;                       // histograms only
  std::map<Labels, std::unique_ptr<Series>> series;  // by labels sorted by name
};

namespace {

constexpr std::string_view kPrefix = "covidflow_";

// Name parts Prometheus' linter (promtool check metrics) rejects: abbreviated units, and
// metric types inside the name.
constexpr std::array<std::string_view, 18> kForbiddenParts = {
    "s",  "ms", "us", "ns", "sec", "b",       "kb",    "mb",        "gb",
    "tb", "pb", "m",  "h",  "d",   "counter", "gauge", "histogram", "summary"};
// Units that have a base unit to use instead (minutes → seconds, bits → bytes, ...).
constexpr std::array<std::string_view, 15> kNonBaseUnits = {
    "minutes", "hours", "days", "weeks",    "kelvins", "fahrenheit", "rankine", "inches",
    "yards",   "miles", "bits", "calories", "pounds",  "ounces",     "percent"};
constexpr std::array<std::string_view, 10> kBaseUnits = {"amperes", "bytes",  "celsius", "grams",
                                                         "joules",  "kelvin", "meters",  "metres",
                                                         "seconds", "volts"};
constexpr std::array<std::string_view, 18> kUnitPrefixes = {
    "pico", "nano", "micro", "milli", "centi", "deci", "deca", "hecto", "kilo",
    "kibi", "mega", "mibi",  "giga",  "gibi",  "tera", "tebi", "peta",  "pebi"};

template <size_t N>
bool In(const std::array<std::string_view, N>& set, std::string_view s) {
  return std::find(set.begin(), set.end(), s) != set.end();
}

bool EndsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

bool IsNameStart(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool IsNameChar(char c) { return IsNameStart(c) || (c >= '0' && c <= '9'); }

std::string Quote(std::string_view s) { return "'" + std::string(s) + "'"; }

// The checks that depend on the type: the _total suffix and histogram's reserved suffixes.
Status ValidateForType(std::string_view name, bool is_counter) {
  if (is_counter && !EndsWith(name, "_total")) {
    return Status::InvalidArgument("counter " + Quote(name) + " must end in _total");
  }
  if (!is_counter && EndsWith(name, "_total")) {
    return Status::InvalidArgument(Quote(name) + " ends in _total but is not a counter");
  }
  for (std::string_view reserved : {"_bucket", "_count", "_sum"}) {
    if (EndsWith(name, reserved)) {
      return Status::InvalidArgument(Quote(name) + " ends in " + std::string(reserved) +
                                     ", which histogram series use");
    }
  }
  return Status::Ok();
}

Status ValidateBuckets(std::string_view name, const std::vector<double>& buckets) {
  if (buckets.empty()) {
    return Status::InvalidArgument("histogram " + Quote(name) + " has no buckets");
  }
  for (size_t i = 0; i < buckets.size(); ++i) {
    if (!std::isfinite(buckets[i])) {
      return Status::InvalidArgument("histogram " + Quote(name) +
                                     ": bucket bounds must be finite (+Inf is implicit)");
    }
    if (i > 0 && !(buckets[i - 1] < buckets[i])) {
      return Status::InvalidArgument("histogram " + Quote(name) +
                                     ": bucket bounds must be strictly increasing");
    }
  }
  return Status::Ok();
}

// Sorts by label name and checks the names; the sorted vector is the series' identity.
Result<Labels> SortLabels(std::string_view metric, Labels labels) {
  std::sort(labels.begin(), labels.end());
  for (size_t i = 0; i < labels.size(); ++i) {
    RETURN_IF_ERROR(ValidateLabelName(labels[i].first).WithContext(std::string(metric)));
    if (i > 0 && labels[i - 1].first == labels[i].first) {
      return Status::InvalidArgument(std::string(metric) + ": label " + Quote(labels[i].first) +
                                     " given twice");
    }
  }
  return labels;
}

// Prometheus text format escaping: help escapes \ and newline; label values also ".
void AppendEscaped(std::string& out, std::string_view s, bool quote) {
  for (char c : s) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else if (quote && c == '"') {
      out += "\\\"";
    } else {
      out += c;
    }
  }
}

void AppendInt(std::string& out, int64_t v) {
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, end);
}

// Shortest text that parses back to `v`; integral values without an exponent; Go's spelling
// of the special values.
void AppendDouble(std::string& out, double v) {
  if (std::isnan(v)) {
    out += "NaN";
  } else if (std::isinf(v)) {
    out += v > 0 ? "+Inf" : "-Inf";
  } else if (v == std::trunc(v) && std::fabs(v) < 9007199254740992.0) {  // 2^53
    AppendInt(out, static_cast<int64_t>(v));
  } else {
    char buf[32];
    auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
    out.append(buf, end);
  }
}

// name{a="x",b="y"} or name{a="x",le="0.5"}; `extra` is appended last (the `le` label).
void AppendSeriesName(std::string& out, std::string_view name, std::string_view suffix,
                      const Labels& labels, std::string_view extra_name = {},
                      std::string_view extra_value = {}) {
  out += name;
  out += suffix;
  if (labels.empty() && extra_name.empty()) return;
  out += '{';
  bool first = true;
  auto add = [&](std::string_view k, std::string_view v) {
    if (!first) out += ',';
    first = false;
    out += k;
    out += "=\"";
    AppendEscaped(out, v, /*quote=*/true);
    out += '"';
  };
  for (const auto& [k, v] : labels) add(k, v);
  if (!extra_name.empty()) add(extra_name, extra_value);
  out += '}';
}

[[noreturn]] void DieOnProgrammerError(const Status& s) {
  std::fprintf(stderr, "covidflow: metrics: programmer error: %s\n", s.ToString().c_str());
  std::abort();
}

template <typename T>
T& OrDie(Result<T*> r) {
  if (!r.ok()) DieOnProgrammerError(r.status());
  return **r;
}

std::string_view TypeName(int type) {
  static constexpr std::array<std::string_view, 3> kNames = {"counter", "gauge", "histogram"};
  return kNames[static_cast<size_t>(type)];
}

}  // namespace

Status ValidateMetricName(std::string_view name) {
  if (name.size() <= kPrefix.size() || name.substr(0, kPrefix.size()) != kPrefix) {
    return Status::InvalidArgument("metric name " + Quote(name) + " must start with " +
                                   std::string(kPrefix));
  }
  for (char c : name) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) {
      return Status::InvalidArgument("metric name " + Quote(name) +
                                     " must be snake_case: [a-z0-9_] only");
    }
  }
  size_t start = 0;
  while (start <= name.size()) {
    size_t end = name.find('_', start);
    if (end == std::string_view::npos) end = name.size();
    std::string_view part = name.substr(start, end - start);
    if (In(kForbiddenParts, part)) {
      return Status::InvalidArgument("metric name " + Quote(name) + " contains " + Quote(part) +
                                     " (an abbreviated unit or a type name)");
    }
    bool non_base = In(kNonBaseUnits, part);
    for (std::string_view prefix : kUnitPrefixes) {
      if (part.size() > prefix.size() && part.substr(0, prefix.size()) == prefix &&
          In(kBaseUnits, part.substr(prefix.size()))) {
        non_base = true;
      }
    }
    if (non_base) {
      return Status::InvalidArgument("metric name " + Quote(name) + " uses unit " + Quote(part) +
                                     "; use the base unit (seconds, bytes, meters, ...)");
    }
    start = end + 1;
  }
  return Status::Ok();
}

Status ValidateLabelName(std::string_view name) {
  if (name.empty() || !IsNameStart(name[0]) || !std::all_of(name.begin(), name.end(), IsNameChar)) {
    return Status::InvalidArgument("label name " + Quote(name) +
                                   " must match [a-zA-Z_][a-zA-Z0-9_]*");
  }
  if (name.substr(0, 2) == "__") {
    return Status::InvalidArgument("label name " + Quote(name) +
                                   " starts with __, which Prometheus reserves");
  }
  if (name == "le") {
    return Status::InvalidArgument("label name 'le' is reserved for histogram buckets");
  }
  return Status::Ok();
}

CallbackHandle::CallbackHandle(CallbackHandle&& other) noexcept
    : registry_(std::exchange(other.registry_, nullptr)),
      name_(std::move(other.name_)),
      labels_(std::move(other.labels_)) {}

CallbackHandle& CallbackHandle::operator=(CallbackHandle&& other) noexcept {
  if (this != &other) {
    Reset();
    registry_ = std::exchange(other.registry_, nullptr);
    name_ = std::move(other.name_);
    labels_ = std::move(other.labels_);
  }
  return *this;
}

CallbackHandle::~CallbackHandle() { Reset(); }

void CallbackHandle::Reset() {
  if (registry_ != nullptr) std::exchange(registry_, nullptr)->Remove(name_, labels_);
}

Registry::Registry() = default;
Registry::~Registry() = default;

Result<Registry::Series*> Registry::Find(Type type, std::string_view name, std::string_view help,
                                         std::vector<double> buckets, Labels labels,
                                         bool callback) {
  ASSIGN_OR_RETURN(Labels sorted, SortLabels(name, std::move(labels)));
  auto fit = families_.find(name);
  if (fit == families_.end()) {
    // A new family: its definition is checked once, here.
    RETURN_IF_ERROR(ValidateMetricName(name));
    RETURN_IF_ERROR(ValidateForType(name, type == Type::kCounter));
    if (help.empty()) {
      return Status::InvalidArgument("metric " + Quote(name) + " has no help text");
    }
    if (type == Type::kHistogram) RETURN_IF_ERROR(ValidateBuckets(name, buckets));
    auto family = std::make_unique<Family>();
    family->type = type;
    family->help = std::string(help);
    family->buckets = buckets;
    fit = families_.emplace(std::string(name), std::move(family)).first;
  }
  Family& family = *fit->second;
  if (family.type != type) {
    return Status::AlreadyExists("metric " + Quote(name) + " is a " +
                                 std::string(TypeName(static_cast<int>(family.type))) + ", not a " +
                                 std::string(TypeName(static_cast<int>(type))));
  }
  if (family.help != help) {
    return Status::AlreadyExists("metric " + Quote(name) + " was added with another help text");
  }
  if (family.buckets != buckets) {
    return Status::AlreadyExists("histogram " + Quote(name) + " was added with other buckets");
  }
  auto sit = family.series.find(sorted);
  if (sit != family.series.end()) {
    const Series& s = *sit->second;
    const bool is_callback = s.read_gauge || s.read_counter;
    if (callback || is_callback) {
      return Status::AlreadyExists("metric " + Quote(name) +
                                   " already has a series with these labels");
    }
    return sit->second.get();
  }
  auto series = std::make_unique<Series>();
  if (!callback) {
    switch (type) {
      case Type::kCounter:
        series->counter = std::make_unique<Counter>();
        break;
      case Type::kGauge:
        series->gauge = std::make_unique<Gauge>();
        break;
      case Type::kHistogram:
        series->histogram = std::make_unique<Histogram>(std::move(buckets));
        break;
    }
  }
  return family.series.emplace(std::move(sorted), std::move(series)).first->second.get();
}

Result<Counter*> Registry::TryAddCounter(std::string_view name, std::string_view help,
                                         Labels labels) {
  std::lock_guard<std::mutex> lock(mu_);
  ASSIGN_OR_RETURN(Series * s, Find(Type::kCounter, name, help, {}, std::move(labels), false));
  return s->counter.get();
}

Result<Gauge*> Registry::TryAddGauge(std::string_view name, std::string_view help, Labels labels) {
  std::lock_guard<std::mutex> lock(mu_);
  ASSIGN_OR_RETURN(Series * s, Find(Type::kGauge, name, help, {}, std::move(labels), false));
  return s->gauge.get();
}

Result<Histogram*> Registry::TryAddHistogram(std::string_view name, std::string_view help,
                                             std::vector<double> buckets, Labels labels) {
  std::lock_guard<std::mutex> lock(mu_);
  ASSIGN_OR_RETURN(
      Series * s, Find(Type::kHistogram, name, help, std::move(buckets), std::move(labels), false));
  return s->histogram.get();
}

Counter& Registry::AddCounter(std::string_view name, std::string_view help, Labels labels) {
  return OrDie(TryAddCounter(name, help, std::move(labels)));
}

Gauge& Registry::AddGauge(std::string_view name, std::string_view help, Labels labels) {
  return OrDie(TryAddGauge(name, help, std::move(labels)));
}

Histogram& Registry::AddHistogram(std::string_view name, std::string_view help,
                                  std::vector<double> buckets, Labels labels) {
  return OrDie(TryAddHistogram(name, help, std::move(buckets), std::move(labels)));
}

Result<CallbackHandle> Registry::AddGaugeCallback(std::string_view name, std::string_view help,
                                                  std::function<double()> read, Labels labels) {
  const bool empty = !read;
  return AddCallback(Type::kGauge, name, help, std::move(labels), empty,
                     [&](Series& s) { s.read_gauge = std::move(read); });
}

Result<CallbackHandle> Registry::AddCounterCallback(std::string_view name, std::string_view help,
                                                    std::function<int64_t()> read, Labels labels) {
  const bool empty = !read;
  return AddCallback(Type::kCounter, name, help, std::move(labels), empty,
                     [&](Series& s) { s.read_counter = std::move(read); });
}

Result<CallbackHandle> Registry::AddCallback(Type type, std::string_view name,
                                             std::string_view help, Labels labels, bool empty,
                                             const std::function<void(Series&)>& install) {
  if (empty) return Status::InvalidArgument("metric " + Quote(name) + ": empty callback");
  ASSIGN_OR_RETURN(Labels sorted, SortLabels(name, std::move(labels)));
  std::lock_guard<std::mutex> lock(mu_);
  ASSIGN_OR_RETURN(Series * s, Find(type, name, help, {}, sorted, true));
  install(*s);
  return CallbackHandle(this, std::string(name), std::move(sorted));
}

void Registry::Remove(const std::string& name, const Labels& sorted_labels) {
  std::lock_guard<std::mutex> lock(mu_);
  auto fit = families_.find(name);
  if (fit != families_.end()) fit->second->series.erase(sorted_labels);
}

std::string Registry::Exposition() const {
  std::string out;
  std::lock_guard<std::mutex> lock(mu_);
  out.reserve(families_.size() * 256);
  for (const auto& [name, family] : families_) {
    if (family->series.empty()) continue;  // every callback series of it was removed
    out += "# HELP ";
    out += name;
    out += ' ';
    AppendEscaped(out, family->help, /*quote=*/false);
    out += "\n# TYPE ";
    out += name;
    out += ' ';
    out += TypeName(static_cast<int>(family->type));
    out += '\n';
    for (const auto& [labels, series] : family->series) {
      if (family->type != Type::kHistogram) {
        AppendSeriesName(out, name, "", labels);
        out += ' ';
        if (series->counter) {
          AppendInt(out, series->counter->Value());
        } else if (series->read_counter) {
          AppendInt(out, series->read_counter());
        } else if (series->gauge) {
          AppendDouble(out, series->gauge->Value());
        } else {
          AppendDouble(out, series->read_gauge());
        }
        out += '\n';
        continue;
      }
      const Histogram::Snapshot snap = series->histogram->Read();
      const std::span<const double> bounds = series->histogram->bounds();
      uint64_t cumulative = 0;
      std::string le;
      for (size_t i = 0; i <= bounds.size(); ++i) {
        cumulative += snap.counts[i];
        le.clear();
        AppendDouble(le, i < bounds.size() ? bounds[i] : HUGE_VAL);
        AppendSeriesName(out, name, "_bucket", labels, "le", le);
        out += ' ';
        AppendInt(out, static_cast<int64_t>(cumulative));
        out += '\n';
      }
      AppendSeriesName(out, name, "_sum", labels);
      out += ' ';
      AppendDouble(out, snap.sum);
      out += '\n';
      AppendSeriesName(out, name, "_count", labels);
      out += ' ';
      AppendInt(out, static_cast<int64_t>(snap.count));
      out += '\n';
    }
  }
  return out;
}

}  // namespace covidflow::metrics
