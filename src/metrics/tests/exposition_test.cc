// The text exposition: exact text for each type, escaping, ordering, and Prometheus' own
// checker (promtool check metrics) on a registry that uses every feature.
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <limits>
#include <string>

#include "metrics/registry.h"

namespace covidflow::metrics {
namespace {

TEST(ExpositionTest, CounterAndGaugeFamiliesSortedByNameAndLabels) {
  Registry r;
  r.AddGauge("covidflow_queue_depth", "Records waiting.", {{"stage", "send"}}).Set(3);
  r.AddCounter("covidflow_records_total", "Records read.", {{"topic", "b"}}).Inc(2);
  r.AddCounter("covidflow_records_total", "Records read.", {{"topic", "a"}}).Inc(40);
  r.AddGauge("covidflow_queue_depth", "Records waiting.", {{"stage", "lake"}}).Set(-0.25);
  EXPECT_EQ(r.Exposition(),
            "# HELP covidflow_queue_depth Records waiting.\n"
            "# TYPE covidflow_queue_depth gauge\n"
            "covidflow_queue_depth{stage=\"lake\"} -0.25\n"
            "covidflow_queue_depth{stage=\"send\"} 3\n"
            "# HELP covidflow_records_total Records read.\n"
            "# TYPE covidflow_records_total counter\n"
            "covidflow_records_total{topic=\"a\"} 40\n"
            "covidflow_records_total{topic=\"b\"} 2\n");
}

TEST(ExpositionTest, HistogramBucketsAreCumulativeWithInfSumAndCount) {
  Registry r;
  Histogram& h = r.AddHistogram("covidflow_batch_seconds", "Batch time.", {0.005, 0.5, 2},
                                {{"phase", "poll"}});
  for (double v : {0.001, 0.25, 0.25, 3.0}) h.Observe(v);
  EXPECT_EQ(r.Exposition(),
            "# HELP covidflow_batch_seconds Batch time.\n"
            "# TYPE covidflow_batch_seconds histogram\n"
            "covidflow_batch_seconds_bucket{phase=\"poll\",le=\"0.005\"} 1\n"
            "covidflow_batch_seconds_bucket{phase=\"poll\",le=\"0.5\"} 3\n"
            "covidflow_batch_seconds_bucket{phase=\"poll\",le=\"2\"} 3\n"
            "covidflow_batch_seconds_bucket{phase=\"poll\",le=\"+Inf\"} 4\n"
            "covidflow_batch_seconds_sum{phase=\"poll\"} 3.501\n"
            "covidflow_batch_seconds_count{phase=\"poll\"} 4\n");
}

TEST(ExpositionTest, EscapesHelpAndLabelValues) {
  Registry r;
  r.AddGauge("covidflow_x", "Back\\slash and\nnewline \"kept\".", {{"v", "a\"b\\c\nd"}}).Set(1);
  EXPECT_EQ(r.Exposition(),
            "# HELP covidflow_x Back\\\\slash and\\nnewline \"kept\".\n"
            "# TYPE covidflow_x gauge\n"
            "covidflow_x{v=\"a\\\"b\\\\c\\nd\"} 1\n");
}

TEST(ExpositionTest, ValuesAreWrittenSoTheyParseBackExactly) {
  Registry r;
  r.AddGauge("covidflow_v", "V.", {{"k", "a"}}).Set(0.1);
  r.AddGauge("covidflow_v", "V.", {{"k", "b"}}).Set(std::numeric_limits<double>::infinity());
  r.AddGauge("covidflow_v", "V.", {{"k", "c"}}).Set(-std::numeric_limits<double>::infinity());
  r.AddGauge("covidflow_v", "V.", {{"k", "d"}}).Set(std::nan(""));
  r.AddGauge("covidflow_v", "V.", {{"k", "e"}}).Set(1e300);
  r.AddGauge("covidflow_v", "V.", {{"k", "f"}}).Set(123456789012);
  r.AddCounter("covidflow_big_total", "B.").Inc(std::numeric_limits<int64_t>::max());
  std::string text = r.Exposition();
  for (const char* line :
       {"covidflow_v{k=\"a\"} 0.1\n", "covidflow_v{k=\"b\"} +Inf\n", "covidflow_v{k=\"c\"} -Inf\n",
        "covidflow_v{k=\"d\"} NaN\n", "covidflow_v{k=\"e\"} 1e+300\n",
        "covidflow_v{k=\"f\"} 123456789012\n", "covidflow_big_total 9223372036854775807\n"}) {
    EXPECT_NE(text.find(line), std::string::npos) << line << " not in\n" << text;
  }
}

// Runs `promtool check metrics` on `text`; returns its exit status and output.
std::pair<int, std::string> Promtool(const std::string& text) {
  std::string path = ::testing::TempDir() + "/metrics_exposition_XXXXXX";
  int fd = ::mkstemp(path.data());
  if (fd < 0) return {-1, "mkstemp failed"};
  const bool written = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  ::close(fd);
  if (!written) return {-1, "write failed"};
  std::string cmd = std::string(CF_PROMTOOL) + " check metrics < '" + path + "' 2>&1";
  FILE* p = ::popen(cmd.c_str(), "r");
  if (p == nullptr) return {-1, "popen failed"};
  std::string out;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  int status = ::pclose(p);
  ::unlink(path.c_str());
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

TEST(ExpositionTest, PromtoolAcceptsTheExposition) {
  const std::string probe = std::string("command -v ") + CF_PROMTOOL + " >/dev/null 2>&1";
  ASSERT_EQ(std::system(probe.c_str()), 0)
      << CF_PROMTOOL << " not found: it comes with the Debian package 'prometheus', "
      << "which scripts/setup.sh installs";
  Registry r;
  r.AddCounter("covidflow_records_total", "Records read, by topic.", {{"topic", "tweets.raw"}})
      .Inc(12);
  r.AddCounter("covidflow_records_total", "Records read, by topic.", {{"topic", "x\"y\\z\nw"}});
  r.AddGauge("covidflow_queue_depth", "Records waiting.\nSecond line with a \\.").Set(2.5);
  Histogram& h = r.AddHistogram("covidflow_batch_duration_seconds", "Time per batch.",
                                ExponentialBuckets(0.001, 4, 8), {{"phase", "poll"}});
  h.Observe(0.002);
  h.Observe(30);
  r.AddHistogram("covidflow_batch_duration_seconds", "Time per batch.",
                 ExponentialBuckets(0.001, 4, 8), {{"phase", "commit"}});
  auto lag = r.AddGaugeCallback("covidflow_consumer_lag_records", "Records behind.",
                                [] { return 17.0; }, {{"partition", "3"}});
  ASSERT_TRUE(lag.ok());
  const std::string text = r.Exposition();
  auto [code, output] = Promtool(text);
  EXPECT_EQ(code, 0) << "promtool check metrics:\n" << output << "\non:\n" << text;

  // And it does reject what the registry keeps out, so the check above means something.
  auto [bad_code, bad_output] =
      Promtool("# HELP covidflow_x_ms x\n# TYPE covidflow_x_ms counter\ncovidflow_x_ms 1\n");
  EXPECT_NE(bad_code, 0) << bad_output;
}

}  // namespace
}  // namespace covidflow::metrics
