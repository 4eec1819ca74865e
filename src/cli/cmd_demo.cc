// demo: generate → produce → process on embedded defaults in a temporary (or --home)
// directory, then a per-stage report. It grows as later stages land; it finishes by itself.
#include <unistd.h>

#include <chrono>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "app/app.h"
#include "cli/commands.h"
#include "cli/report.h"
#include "lake/stats.h"
#include "schema/codec.h"
#include "schema/time.h"

namespace covidflow::cli {

namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

struct Mix {
  int64_t positive = 0, neutral = 0, negative = 0;
  void Add(schema::Sentiment::Label l) {
    (l == schema::Sentiment::Label::kPositive   ? positive
     : l == schema::Sentiment::Label::kNegative ? negative
                                                : neutral)++;
  }
  int64_t total() const { return positive + neutral + negative; }
  json ToJson() const {
    return {{"positive", positive}, {"neutral", neutral}, {"negative", negative}};
  }
  std::string Text() const {
    double t = std::max<int64_t>(1, total());
    char buf[96];
    std::snprintf(buf, sizeof buf, "%7lld  pos %5.1f%%  neu %5.1f%%  neg %5.1f%%",
                  static_cast<long long>(total()), 100 * positive / t, 100 * neutral / t,
                  100 * negative / t);
    return buf;
  }
};

// The demo's human-readable progress on stdout, flushed per line; nothing with --json.
__attribute__((format(printf, 2, 3))) void Say(bool quiet, const char* format, ...) {
  if (quiet) return;
  va_list args;
  va_start(args, format);
  std::vprintf(format, args);
  va_end(args);
  std::fflush(stdout);
}

struct SentimentReport {
  Mix overall;
  std::map<std::string, Mix> by_hour;     // "2020-07-25 06"
  std::map<std::string, Mix> by_country;  // ISO code or "(unknown)"
  std::map<std::string, int64_t> enricher;
};

// Reads the whole enriched topic back: the report is computed from what was written.
Result<SentimentReport> ReadSentiment(log::Log& log, const std::string& topic) {
  SentimentReport rep;
  RETURN_IF_ERROR(app::ForEachRecord(log, topic, [&](const log::InRecord& r) -> Status {
    ASSIGN_OR_RETURN(schema::EnrichedTweet t, schema::DecodeEnrichedJson(r.value));
    rep.overall.Add(t.sentiment.label);
    rep.by_hour[schema::FormatTimestamp(t.tweet.date).substr(0, 13)].Add(t.sentiment.label);
    rep.by_country[t.location.country.empty() ? "(unknown)" : t.location.country].Add(
        t.sentiment.label);
    ++rep.enricher[t.enricher];
    return Status::Ok();
  }));
  return rep;
}

double Seconds(Clock::time_point since) {
  return std::chrono::duration<double>(Clock::now() - since).count();
}

}  // namespace

int RunDemo(const config::Config&, const app::Settings& s) {
  InstallStopHandlers();
  namespace fs = std::filesystem;
  const bool json_out = s.cli.json;
  // Settings first: a bad one exits 2 before any directory is made.
  auto options = app::ProcessorOptionsFrom(s);
  if (!options.ok()) return Usage("demo", options.status().message());
  const bool temporary = s.cli.home.empty();
  std::string home = s.cli.home;
  if (temporary) {
    std::string tmpl = (fs::temp_directory_path() / "covidflow-demo-XXXXXX").string();
    if (::mkdtemp(tmpl.data()) == nullptr) {
      return Fail("demo", Status::FromErrno(errno, "cannot create a temporary directory"));
    }
    home = tmpl;
  } else {
    std::error_code ec;
    fs::create_directories(home, ec);
    if (ec) return Fail("demo", Status::IoError("cannot create " + home + ": " + ec.message()));
  }
  Say(json_out, "covidflow demo in %s\n", home.c_str());
  json report = {{"home", home}};

  // 1. generate
  const ingest::GeneratorOptions& g = s.demo.generator;
  const std::string csv = home + "/tweets.csv";
  auto t0 = Clock::now();
  auto gen = app::GenerateFile(g, csv);
  if (!gen.ok()) return Fail("demo", gen.status());
  double gen_s = Seconds(t0);
  Say(json_out,
      "  generate  %8lld tweets (%lld deliberately malformed, drift after %lld) %8.2f s %10.0f "
      "/s\n",
      static_cast<long long>(gen->records), static_cast<long long>(gen->malformed),
      static_cast<long long>(g.drift_after), gen_s, gen->records / std::max(gen_s, 1e-9));
  report["generate"] = {{"records", gen->records},
                        {"malformed", gen->malformed},
                        {"malformed_by_kind", gen->malformed_by_kind},
                        {"seconds", gen_s}};

  // 2. produce
  const std::string uri = "file://" + home + "/log";
  auto log = app::OpenLog(uri, s.log);
  if (!log.ok()) return Fail("demo", log.status());
  auto input = app::OpenInput(csv);
  if (!input.ok()) return Fail("demo", input.status());
  auto prod =
      app::ProduceFile(s, **log, std::move(input).value(), csv, s.process.processor.input_topic);
  if (!prod.ok()) return Fail("demo", prod.status());
  Say(json_out, "  produce   %8lld records → %s %8.2f s %10.0f /s\n",
      static_cast<long long>(prod->records), uri.c_str(), prod->seconds,
      prod->records / std::max(prod->seconds, 1e-9));
  report["produce"] = {
      {"records", prod->records}, {"bytes", prod->bytes}, {"seconds", prod->seconds}};

  // 3. process
  options->exit_when_idle = true;
  options->group = "covidflow-demo";
  const std::string lake_dir = s.lake.dir.empty() ? home + "/lake" : s.lake.dir;
  auto counts = app::RunProcessor(s, **log, std::move(options).value(), lake_dir, StopRequested());
  if (!counts.ok()) return Fail("demo", counts.status());
  Say(json_out,
      "  process   %8lld consumed = %lld enriched + %lld dead letters %8.2f s %10.0f /s\n",
      static_cast<long long>(counts->consumed), static_cast<long long>(counts->enriched),
      static_cast<long long>(counts->dead_letters), counts->seconds,
      counts->consumed / std::max(counts->active_seconds, 1e-9));
  for (const auto& [reason, n] : counts->dead_letters_by_reason) {
    Say(json_out, "            dead letters %-18s %lld\n", reason.c_str(),
        static_cast<long long>(n));
  }
  report["process"] = ProcessorCountsJson(*counts);
  auto lake_stats = lake::ComputeStats(lake_dir);
  if (!lake_stats.ok()) return Fail("demo", lake_stats.status());
  Say(json_out,
      "  lake      %8lld rows in %lld Parquet files, %lld date partitions, %.1f MB → %s\n",
      static_cast<long long>(lake_stats->rows), static_cast<long long>(lake_stats->files),
      static_cast<long long>(lake_stats->partitions), lake_stats->bytes / 1e6, lake_dir.c_str());
  report["lake"] = {{"dir", lake_dir},
                    {"rows", lake_stats->rows},
                    {"files", lake_stats->files},
                    {"partitions", lake_stats->partitions},
                    {"bytes", lake_stats->bytes}};
  const bool reconciled = counts->consumed == counts->enriched + counts->dead_letters &&
                          counts->consumed == prod->records && lake_stats->rows == counts->enriched;
  report["reconciled"] = reconciled;
  Say(json_out,
      "  reconcile produced %lld == consumed %lld == enriched + dead letters, lake rows == "
      "enriched: %s\n",
      static_cast<long long>(prod->records), static_cast<long long>(counts->consumed),
      reconciled ? "yes" : "NO");

  // 4. what the enriched topic holds
  auto rep = ReadSentiment(**log, s.process.processor.enriched_topic);
  if (!rep.ok()) return Fail("demo", rep.status());
  std::string enrichers;
  for (const auto& [id, n] : rep->enricher) enrichers += id + " ";
  Say(json_out, "\n  sentiment (enricher: %s)\n    overall          %s\n", enrichers.c_str(),
      rep->overall.Text().c_str());
  json by_hour = json::object(), by_country = json::object();
  // On a terminal, at most 24 rows: consecutive hours are merged when the stream is longer.
  const size_t hours = rep->by_hour.size();
  const size_t per_row = (hours + 23) / 24;
  size_t k = 0;
  Mix row;
  std::string row_start;
  for (const auto& [hour, mix] : rep->by_hour) {
    by_hour[hour] = mix.ToJson();
    if (k % per_row == 0) row_start = hour;
    row.positive += mix.positive;
    row.neutral += mix.neutral;
    row.negative += mix.negative;
    if (++k % per_row == 0 || k == hours) {
      Say(json_out, "    %s:00 +%zuh %s\n", row_start.c_str(), per_row, row.Text().c_str());
      row = Mix{};
    }
  }
  std::vector<std::pair<std::string, Mix>> countries(rep->by_country.begin(),
                                                     rep->by_country.end());
  std::sort(countries.begin(), countries.end(),
            [](const auto& a, const auto& b) { return a.second.total() > b.second.total(); });
  Say(json_out, "  by country (top 10)\n");
  for (size_t i = 0; i < countries.size(); ++i) {
    if (i < 10)
      Say(json_out, "    %-16s %s\n", countries[i].first.c_str(),
          countries[i].second.Text().c_str());
    by_country[countries[i].first] = countries[i].second.ToJson();
  }
  report["sentiment"] = {
      {"overall", rep->overall.ToJson()}, {"by_hour", by_hour}, {"by_country", by_country}};

  if (temporary && !s.demo.keep) {
    log->reset();
    std::error_code ec;
    fs::remove_all(home, ec);
    Say(json_out, "\n(removed %s; --keep or --home DIR to keep it)\n", home.c_str());
  }
  if (json_out) std::printf("%s\n", report.dump().c_str());
  return reconciled ? 0 : 1;
}

}  // namespace covidflow::cli
