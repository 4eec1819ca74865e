#include "csv_fuzz_invariants.h"

#include "base/utf8.h"
#include "schema/codec.h"
#include "schema/time.h"

namespace covidflow::schema::fuzz {

std::string CheckParsed(const Tweet& t, const ParseOptions& o) {
  for (const std::string* s :
       {&t.user_name, &t.user_location, &t.user_description, &t.text, &t.source}) {
    if (!IsValidUtf8(*s)) return "invalid UTF-8 in a parsed text field";
  }
  for (const auto& h : t.hashtags) {
    if (!IsValidUtf8(h)) return "invalid UTF-8 in a hashtag";
  }
  for (const auto& [name, value] : t.extra) {
    if (!IsValidUtf8(name) || !IsValidUtf8(value)) return "invalid UTF-8 in an extra column";
  }
  if (o.utf8 == Utf8Policy::kReject && t.utf8_repaired) return "repaired under kReject";
  if (t.user_followers < 0 || t.user_friends < 0 || t.user_favourites < 0) return "negative count";
  if (o.mapping.mapped(Field::kDate) && !InTweetRange(t.date)) return "date out of range";
  if (t.user_name.empty() || t.text.empty()) return "required field empty";
  EnrichedTweet e;
  e.tweet = t;
  std::string json;
  AppendEnrichedJson(json, e);
  auto back = DecodeEnrichedJson(json);
  if (!back.ok()) return "enriched JSON does not decode: " + back.status().ToString();
  const Tweet& b = back->tweet;
  if (b.user_name != t.user_name || b.text != t.text || b.user_location != t.user_location ||
      b.user_description != t.user_description || b.source != t.source ||
      b.hashtags != t.hashtags || b.date != t.date || b.user_created != t.user_created ||
      b.user_followers != t.user_followers || b.extra != t.extra) {
    return "enriched JSON round trip changed the tweet";
  }
  return "";
}

std::string CheckRejected(std::string_view raw, const ParseError& e) {
  if (e.message.empty()) return "rejection without a message";
  DeadLetter d;
  d.raw.assign(raw);
  d.reason = e.reason;
  d.message = e.message;
  d.field = e.field;
  std::string json;
  AppendDeadLetterJson(json, d);
  if (!IsValidUtf8(json)) return "dead letter JSON is not UTF-8";
  auto back = DecodeDeadLetterJson(json);
  if (!back.ok()) return "dead letter does not decode: " + back.status().ToString();
  if (back->raw != d.raw || back->reason != d.reason) return "dead letter round trip changed it";
  return "";
}

}  // namespace covidflow::schema::fuzz
