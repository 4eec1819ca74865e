#pragma once
// VADER (Hutto & Gilbert, ICWSM 2014): lexicon-and-rules sentiment for social-media text,
// reproducing the Python package vaderSentiment 3.3.2 to the decimals it rounds to (neg, neu,
// pos at 3, compound at 4), quirks included, on every input.
//
// Input: any bytes. Ill-formed UTF-8 is first repaired exactly as Python's
// bytes.decode("utf-8", errors="replace") would (one U+FFFD per maximal ill-formed subpart),
// so the result equals the reference scoring that decoded str.
//
// Threads: the scorer is immutable after construction; Score and ScoreVader may be called
// from any number of threads at once. The lexicons are embedded in the binary.
#include <string_view>

#include "enrich/enricher.h"
#include "schema/tweet.h"

namespace covidflow::enrich {

// The reference's four numbers, rounded as it rounds them, plus the unrounded proportions
// that the confidence scores are made from.
struct VaderScores {
  double neg = 0;       // round(x, 3)
  double neu = 0;       // round(x, 3)
  double pos = 0;       // round(x, 3)
  double compound = 0;  // round(x, 4)
  double raw_neg = 0;   // unrounded proportions; raw_neg + raw_neu + raw_pos == 1 when
  double raw_neu = 0;   // the text has at least one word, else all three are 0
  double raw_pos = 0;
  double raw_compound = 0;
};

class VaderEnricher final : public Enricher {
 public:
  VaderEnricher();

  std::string_view Id() const override { return "vader"; }

  // The cloud-API shape. positive = raw_pos, negative = raw_neg, neutral = 1 - positive -
  // negative (clamped at 0): VADER's unrounded proportions, which sum to 1. A text with no
  // words at all is fully neutral. compound is VADER's rounded compound; the label is
  // positive when compound >= 0.05, negative when compound <= -0.05, else neutral.
  schema::Sentiment Score(std::string_view text) const override;

  VaderScores ScoreVader(std::string_view text) const;
};

// The mapping from VADER's numbers to the cloud-API shape used by VaderEnricher::Score.
schema::Sentiment ToSentiment(const VaderScores& scores);

// Python's round(x, ndigits): the double nearest to x rounded half-to-even on its exact
// binary value. Exposed for the tests.
double RoundLikePython(double x, int ndigits);

}  // namespace covidflow::enrich
