#include "enrich/tests/vader_fuzz_body.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <sstream>
#include <string>
#include <string_view>

#include "enrich/sentiment_command.h"
#include "enrich/vader.h"

namespace covidflow::enrich::fuzz {
namespace {

void Check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "vader fuzz invariant broken: %s\n", what);
    std::abort();
  }
}

bool InUnit(double x) { return x >= 0.0 && x <= 1.0; }

void CheckOutputLines(const std::string& out) {
  size_t start = 0;
  while (start < out.size()) {
    const size_t nl = out.find('\n', start);
    Check(nl != std::string::npos, "output ends with a newline");
    const std::string_view line(out.data() + start, nl - start);
    Check(line.size() >= 2 && line.front() == '{' && line.back() == '}',
          "one JSON object per line");
    start = nl + 1;
  }
}

}  // namespace

void FuzzVaderBytes(const uint8_t* data, size_t size) {
  static const VaderEnricher* const kVader = new VaderEnricher();
  const std::string_view text(reinterpret_cast<const char*>(data), size);

  const VaderScores v = kVader->ScoreVader(text);
  Check(v.compound >= -1.0 && v.compound <= 1.0, "compound in [-1, 1]");
  Check(InUnit(v.neg) && InUnit(v.neu) && InUnit(v.pos), "proportions in [0, 1]");
  const double sum = v.neg + v.neu + v.pos;
  Check(sum == 0.0 || std::fabs(sum - 1.0) <= 0.0015, "proportions sum to 1 within rounding");

  const schema::Sentiment s = ToSentiment(v);
  Check(std::fabs(s.positive + s.neutral + s.negative - 1.0) < 1e-9, "cloud shape sums to 1");
  Check(InUnit(s.positive) && InUnit(s.neutral) && InUnit(s.negative), "confidences in [0, 1]");
  const auto label = s.compound >= 0.05    ? schema::Sentiment::Label::kPositive
                     : s.compound <= -0.05 ? schema::Sentiment::Label::kNegative
                                           : schema::Sentiment::Label::kNeutral;
  Check(s.label == label, "label agrees with compound");

  const VaderScores again = kVader->ScoreVader(text);
  Check(again.compound == v.compound && again.neg == v.neg && again.neu == v.neu &&
            again.pos == v.pos,
        "scoring is deterministic");

  // The command over the same bytes, both formats. Bounded: the CSV path is linear anyway.
  if (size <= 64 * 1024) {
    for (auto format :
         {SentimentCommandOptions::Format::kLines, SentimentCommandOptions::Format::kCsv}) {
      SentimentCommandOptions options;
      options.format = format;
      std::istringstream in((format == SentimentCommandOptions::Format::kCsv ? "text\n" : "") +
                            std::string(text));
      std::ostringstream out, err;
      Check(RunSentimentCommand(*kVader, options, in, out, err) == 0, "command succeeds");
      CheckOutputLines(out.str());
    }
  }
}

}  // namespace covidflow::enrich::fuzz
