#include "enrich/location/internal/gazetteer.h"

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "enrich/location/internal/text.h"

namespace covidflow::enrich::location::internal {
namespace {

float DefaultWeight(Kind kind) {
  switch (kind) {
    case Kind::kCountry:
    case Kind::kRegion:
      return 1.0f;
    case Kind::kArea:
    case Kind::kRegionCode:
      return 0.9f;
    case Kind::kCountryCode:
      return 0.8f;
    case Kind::kCity:
      return 0.7f;
    case Kind::kBlocked:
    case Kind::kGeneric:
      return 0.0f;
  }
  return 0.0f;
}

bool ParseKind(char c, Kind* kind) {
  switch (c) {
    case 'C':
      *kind = Kind::kCountry;
      return true;
    case 'R':
      *kind = Kind::kRegion;
      return true;
    case 'K':
      *kind = Kind::kArea;
      return true;
    case 'T':
      *kind = Kind::kCity;
      return true;
    case 'P':
      *kind = Kind::kRegionCode;
      return true;
    case 'X':
      *kind = Kind::kBlocked;
      return true;
    case 'G':
      *kind = Kind::kGeneric;
      return true;
    default:
      return false;
  }
}

bool IsUpper(char c) { return c >= 'A' && c <= 'Z'; }

// "IN" or "IN-MH" (ISO 3166-2 subdivision codes have 1 to 3 letters or digits).
bool ValidCode(std::string_view code) {
  if (code.size() < 2 || !IsUpper(code[0]) || !IsUpper(code[1])) return false;
  if (code.size() == 2) return true;
  if (code[2] != '-' || code.size() < 4 || code.size() > 6) return false;
  return std::all_of(code.begin() + 3, code.end(),
                     [](char c) { return IsUpper(c) || (c >= '0' && c <= '9'); });
}

size_t WordCount(std::string_view key) {
  return static_cast<size_t>(std::count(key.begin(), key.end(), ' ')) + 1;
}

}  // namespace

Result<std::unique_ptr<Gazetteer>> Gazetteer::Parse(const std::vector<Source>& sources) {
  std::unique_ptr<Gazetteer> g(new Gazetteer());
  for (const Source& source : sources) {
    std::string_view rest = source.text;
    size_t line_number = 0;
    while (!rest.empty()) {
      const size_t nl = rest.find('\n');
      std::string_view line = rest.substr(0, nl);
      rest = nl == std::string_view::npos ? std::string_view() : rest.substr(nl + 1);
      ++line_number;
      if (line.empty() || line[0] == '#') continue;
      Status s = g->ParseLine(line);
      if (!s.ok()) {
        return s.WithContext(std::string(source.name) + ":" + std::to_string(line_number));
      }
    }
  }
  // G names mark entries of the other tables, whichever file lists them first.
  for (const std::string& key : g->generic_) {
    auto it = g->entries_.find(key);
    if (it == g->entries_.end() || it->second.candidates.empty()) {
      return Status::InvalidArgument("G name '" + key + "' names no place in the tables");
    }
    it->second.generic = true;
  }
  // Every country's ISO alpha-2 code, read where a code is expected ("Amsterdam, NL").
  std::sort(g->countries_.begin(), g->countries_.end());
  g->countries_.erase(std::unique(g->countries_.begin(), g->countries_.end()), g->countries_.end());
  for (uint16_t country : g->countries_) {
    std::string key = UnpackCountry(country);
    for (char& c : key) c = static_cast<char>(c - 'A' + 'a');
    g->Add(key, Candidate{country, 0, DefaultWeight(Kind::kCountryCode), Kind::kCountryCode});
  }
  return g;
}

Status Gazetteer::ParseLine(std::string_view line) {
  const size_t sp1 = line.find(' ');
  const size_t sp2 = sp1 == std::string_view::npos ? sp1 : line.find(' ', sp1 + 1);
  if (sp2 == std::string_view::npos) return Status::InvalidArgument("expected KIND CODE names");
  const std::string_view head = line.substr(0, sp1);
  const std::string_view code = line.substr(sp1 + 1, sp2 - sp1 - 1);
  const std::string_view names = line.substr(sp2 + 1);

  Candidate c;
  if (head.empty() || !ParseKind(head[0], &c.kind)) {
    return Status::InvalidArgument("unknown kind '" + std::string(head) + "'");
  }
  c.weight = DefaultWeight(c.kind);
  if (head.size() > 1) {
    if (head[1] != ':') return Status::InvalidArgument("expected KIND:WEIGHT");
    const std::string w(head.substr(2));
    char* end = nullptr;
    c.weight = std::strtof(w.c_str(), &end);
    if (w.empty() || *end != '\0' || c.weight <= 0 || c.weight > 1) {
      return Status::InvalidArgument("weight '" + w + "' is not in (0, 1]");
    }
  }
  if (c.kind == Kind::kBlocked || c.kind == Kind::kGeneric) {
    if (code != "-") return Status::InvalidArgument("X and G lines have the code '-'");
  } else {
    if (!ValidCode(code)) return Status::InvalidArgument("bad code '" + std::string(code) + "'");
    c.country = PackCountry(code);
    if (code.size() > 2) {
      auto it = region_ids_.find(code);
      if (it == region_ids_.end()) {
        regions_.emplace_back(code);
        it = region_ids_.emplace(regions_.back(), static_cast<uint16_t>(regions_.size() - 1)).first;
      }
      c.region = it->second;
    }
    if (c.kind == Kind::kCountry) countries_.push_back(c.country);
  }

  std::string_view rest = names;
  while (true) {
    const size_t bar = rest.find('|');
    const std::string_view name = rest.substr(0, bar);
    std::string key = NormalizeKey(name);
    if (key.empty()) return Status::InvalidArgument("empty name in '" + std::string(names) + "'");
    if (WordCount(key) > kMaxNameWords) {
      return Status::InvalidArgument("name '" + std::string(name) + "' has too many words");
    }
    if ((c.kind == Kind::kRegionCode || c.kind == Kind::kGeneric) &&
        key.find(' ') != std::string::npos) {
      return Status::InvalidArgument("codes and G names are one word: '" + std::string(name) + "'");
    }
    if (c.kind == Kind::kGeneric) {
      generic_.push_back(key);
      if (bar == std::string_view::npos) break;
      rest = rest.substr(bar + 1);
      continue;
    }
    Add(key, c);
    // Multi-word names are also written as one word: "Andhrapradesh", "NewYork".
    if (c.kind != Kind::kRegionCode && c.kind != Kind::kBlocked &&
        key.find(' ') != std::string::npos) {
      std::string joined;
      for (char ch : key) {
        if (ch != ' ') joined.push_back(ch);
      }
      if (joined.size() >= 6) Add(joined, c);
    }
    if (bar == std::string_view::npos) break;
    rest = rest.substr(bar + 1);
  }
  return Status::Ok();
}

void Gazetteer::Add(const std::string& key, const Candidate& candidate) {
  auto it = entries_.find(key);
  if (it == entries_.end()) {
    keys_.push_back(key);
    it = entries_.emplace(std::string_view(keys_.back()), Entry{}).first;
  }
  std::vector<Candidate>& cs = it->second.candidates;
  auto same = std::find_if(cs.begin(), cs.end(), [&](const Candidate& o) {
    return o.country == candidate.country && o.region == candidate.region &&
           o.kind == candidate.kind;
  });
  if (same == cs.end()) {
    cs.push_back(candidate);
  } else {
    same->weight = std::max(same->weight, candidate.weight);
  }
  // The first word of a longer name remembers that a longer match may start there.
  const size_t words = WordCount(key);
  if (words > 1) {
    const std::string first = key.substr(0, key.find(' '));
    auto fit = entries_.find(first);
    if (fit == entries_.end()) {
      keys_.push_back(first);
      fit = entries_.emplace(std::string_view(keys_.back()), Entry{}).first;
    }
    fit->second.max_words = static_cast<uint8_t>(std::max<size_t>(fit->second.max_words, words));
  }
}

uint16_t Gazetteer::RegionId(std::string_view code) const {
  auto it = region_ids_.find(code);
  return it == region_ids_.end() ? 0 : it->second;
}

bool Gazetteer::IsCountry(uint16_t country) const {
  return std::binary_search(countries_.begin(), countries_.end(), country);
}

const Gazetteer& Gazetteer::Embedded() {
  static const Gazetteer* const kTables = [] {
    auto parsed = Parse(EmbeddedSources());
    if (!parsed.ok()) {
      std::fprintf(stderr, "enrich/location: embedded tables do not parse: %s\n",
                   parsed.status().ToString().c_str());
      std::abort();
    }
    return std::move(parsed).value().release();
  }();
  return *kTables;
}

}  // namespace covidflow::enrich::location::internal
