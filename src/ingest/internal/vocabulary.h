#pragma once
// The word lists and weighted tables the generator draws from. Weights of sources, locations,
// verified share, creation years and hashtag shapes follow the counts of the reference file
// (../shared/data/covid19-tweets); the sentiment words are entries of the VADER lexicon, so
// the lexicon scorer downstream sees the sentiment mix the generator intends.
#include <cstdint>
#include <string_view>

namespace covidflow::ingest::internal {

struct Weighted {
  std::string_view value;
  uint32_t weight;
};

// Words with a clear valence in VADER; templates put one or two in each opinionated tweet.
inline constexpr std::string_view kPositiveWords[] = {
    "good",    "great",       "happy",    "hopeful",   "grateful",   "amazing",   "wonderful",
    "glad",    "proud",       "relieved", "excellent", "fantastic",  "thankful",  "brilliant",
    "awesome", "encouraging", "strong",   "lovely",    "optimistic", "inspiring",
};
inline constexpr std::string_view kNegativeWords[] = {
    "terrible",   "awful",       "sad",           "scared",     "worried",
    "angry",      "horrible",    "tragic",        "disastrous", "frightening",
    "depressing", "devastating", "dangerous",     "bad",        "worst",
    "stupid",     "pathetic",    "heartbreaking", "miserable",  "shameful",
};
inline constexpr std::string_view kNeutralNouns[] = {
    "update",     "report",   "data",      "figures",  "numbers",
    "statistics", "guidance", "dashboard", "briefing", "bulletin",
};

// Templates: {P} positive word, {N} negative word, {U} neutral noun, {S} subject, {L} place,
// {D} a number, {E} an emoji. Some carry quotes, commas and newlines so CSV quoting is used.
inline constexpr std::string_view kPositiveTemplates[] = {
    "So {P} to see {S} getting better in {L}.",
    "Feeling {P} today, {S} is finally under control {E}",
    "{S} did a {P} job this week. Thank you!",
    "Stay safe everyone, we will get through this together.\n{P} news from {L}",
    "{D} patients recovered in {L} today, that is {P}",
    "Proud of our nurses and doctors in {L}, they are {P} {E}",
    "\"{P} and {P}\" is how I feel about {S} right now",
    "Honestly {P} that {S} kept going, so far so good",
    "What a {P} day in {L}! Masks on, spirits up {E}",
    "Recovery rate in {L} keeps rising, {P} work by {S}",
};
inline constexpr std::string_view kNeutralTemplates[] = {
    "{D} new cases reported in {L} today",
    "Latest {U} on {S} in {L}: {D} tests",
    "{S}: what we know so far about the {U}",
    "Read the full {U} here",
    "Daily {U} for {L}, {D} cases, {D} tests",
    "The {U} from {L} was published this morning.\nDetails below",
    "Tracking {S} in {L}, week {D}",
    "Official {U}: \"{D} samples tested\" in {L}",
    "Here is the {U} for {L} as of today",
    "{S} will publish a new {U} on Monday",
};
inline constexpr std::string_view kNegativeTemplates[] = {
    "This is {N}. {D} new cases in {L} and {S} is doing nothing",
    "I am so {N} about {S}, it is {N}",
    "{N} news from {L}: {D} deaths today {E}",
    "Another {N} day. People are \"{N}\" and nobody listens",
    "Why is {S} so {N}?\nThis pandemic is not over",
    "{S} has been {N} from the start",
    "Hospitals in {L} are full. {N}, just {N} {E}",
    "Lost a friend in {L} today. {N}",
    "{N} handling by {S}, {D} lives lost",
    "Cases up again in {L}. {S} is {N} {E}",
};

inline constexpr std::string_view kSubjects[] = {
    "the government",
    "the vaccine trial",
    "the lockdown",
    "our hospital",
    "the WHO",
    "the CDC",
    "the school plan",
    "my family",
    "the testing program",
    "the mask mandate",
    "the health ministry",
    "the city council",
    "Boris Johnson",
    "the NHS",
    "the task force",
    "our community",
};
inline constexpr std::string_view kPlaces[] = {
    "London",  "Mumbai",     "New York",     "Lagos",  "Delhi",   "Texas",
    "Florida", "Melbourne",  "Johannesburg", "Manila", "Nairobi", "Toronto",
    "Chennai", "California", "Ireland",      "Kerala",
};
inline constexpr std::string_view kMentions[] = {
    "@WHO",     "@CDCgov",   "@narendramodi", "@BorisJohnson", "@GovKemp",
    "@nytimes", "@BBCWorld", "@MoHFW_INDIA",  "@NCDCgov",      "@CNN",
    "@Reuters", "@PMOIndia", "@NHSuk",        "@GOVUK",        "@DrTedros",
};
inline constexpr std::string_view kEmoji[] = {
    "😷", "🙏", "😢", "❤️", "👍", "🦠", "💉", "😡", "🇮🇳", "🌍", "💪", "😔",
};

// Hashtag tables before and after the drift point; "SecondWave" only appears after it.
inline constexpr Weighted kHashtagsBefore[] = {
    {"COVID19", 300},
    {"Covid19", 50},
    {"covid19", 30},
    {"coronavirus", 40},
    {"Coronavirus", 25},
    {"CoronaVirusUpdate", 15},
    {"CoronavirusPandemic", 15},
    {"StaySafe", 15},
    {"WearAMask", 15},
    {"lockdown", 15},
    {"pandemic", 12},
    {"India", 10},
    {"COVID", 15},
    {"SocialDistancing", 10},
    {"vaccine", 8},
    {"Plandemic", 5},
    {"MaskUp", 8},
    {"StayHome", 10},
};
inline constexpr Weighted kHashtagsAfter[] = {
    {"SecondWave", 420},
    {"COVID19", 200},
    {"Covid19", 30},
    {"covid19", 20},
    {"coronavirus", 30},
    {"Coronavirus", 15},
    {"CoronaVirusUpdate", 10},
    {"CoronavirusPandemic", 10},
    {"StaySafe", 10},
    {"WearAMask", 20},
    {"lockdown", 40},
    {"pandemic", 12},
    {"India", 5},
    {"COVID", 15},
    {"SocialDistancing", 10},
    {"vaccine", 12},
    {"Plandemic", 5},
    {"MaskUp", 12},
    {"StayHome", 10},
};

// user_location: cities, states, countries, empty (~20%, as in the reference file), emoji and
// jokes.
inline constexpr Weighted kLocationsBefore[] = {
    {"", 62},
    {"India", 20},
    {"London, England", 15},
    {"London", 13},
    {"United Kingdom", 13},
    {"New Delhi, India", 12},
    {"Mumbai, India", 11},
    {"UK", 8},
    {"Lagos, Nigeria", 8},
    {"United States", 7},
    {"USA", 6},
    {"Nigeria", 7},
    {"South Africa", 7},
    {"Johannesburg, South Africa", 6},
    {"New York, NY", 6},
    {"Los Angeles, CA", 4},
    {"Washington, DC", 4},
    {"Atlanta, GA", 3},
    {"Chicago, IL", 3},
    {"Houston, TX", 3},
    {"California, USA", 5},
    {"Texas, USA", 3},
    {"Florida", 3},
    {"Maharashtra, India", 3},
    {"Ontario, Canada", 3},
    {"Toronto, Ontario", 3},
    {"Canada", 4},
    {"Australia", 4},
    {"Melbourne, Victoria", 3},
    {"Ireland", 4},
    {"Nairobi, Kenya", 4},
    {"Kenya", 3},
    {"Manila, Philippines", 3},
    {"Pakistan", 3},
    {"Chennai, India", 3},
    {"Bengaluru, India", 3},
    {"Doha, Qatar", 3},
    {"Geneva, Switzerland", 3},
    {"Worldwide", 5},
    {"Global", 4},
    {"WORLDWIDE", 3},
    {"Earth", 2},
    {"Mars", 1},
    {"in my bed", 1},
    {"somewhere over the rainbow", 1},
    {"Hogwarts", 1},
    {"🌍", 2},
    {"🇮🇳", 1},
    {"🇺🇸", 1},
    {"Planet Earth 🌎", 1},
};
inline constexpr Weighted kLocationsAfter[] = {
    {"", 56},
    {"India", 4},
    {"London, England", 8},
    {"United Kingdom", 6},
    {"USA", 20},
    {"United States", 18},
    {"New York, NY", 14},
    {"Los Angeles, CA", 10},
    {"Houston, TX", 10},
    {"Florida, USA", 12},
    {"Texas, USA", 10},
    {"Arizona, USA", 8},
    {"Brazil", 16},
    {"São Paulo, Brazil", 10},
    {"Rio de Janeiro, Brasil", 6},
    {"Melbourne, Victoria", 12},
    {"Australia", 8},
    {"Spain", 6},
    {"Madrid, Spain", 5},
    {"Lagos, Nigeria", 4},
    {"South Africa", 6},
    {"Mexico", 6},
    {"Worldwide", 5},
    {"Mars", 1},
    {"in my bed", 1},
    {"🌍", 2},
    {"🇺🇸", 3},
};

inline constexpr Weighted kSources[] = {
    {"Twitter Web App", 2005},
    {"Twitter for Android", 1849},
    {"Twitter for iPhone", 1346},
    {"TweetDeck", 386},
    {"Hootsuite Inc.", 229},
    {"Twitter for iPad", 193},
    {"IFTTT", 133},
    {"Buffer", 87},
    {"Instagram", 64},
    {"Sprout Social", 48},
    {"dlvr.it", 34},
    {"Twitter Media Studio", 33},
    {"LinkedIn", 30},
    {"Microsoft Power Platform", 20},
    {"SocialFlow", 18},
};

// Account creation years, from the reference file's user_created column.
inline constexpr Weighted kCreatedYears[] = {
    {"2006", 1},   {"2007", 56},  {"2008", 197}, {"2009", 1073}, {"2010", 643},
    {"2011", 701}, {"2012", 570}, {"2013", 445}, {"2014", 410},  {"2015", 411},
    {"2016", 353}, {"2017", 443}, {"2018", 373}, {"2019", 504},  {"2020", 1038},
};

inline constexpr std::string_view kFirstNames[] = {
    "Pam",   "Patrick", "Aisha",    "Rahul",  "Priya",   "John",  "Mary",  "Chinedu", "Ngozi",
    "James", "Sarah",   "Mohammed", "Fatima", "David",   "Emma",  "Arjun", "Sipho",   "Thandi",
    "Maria", "Carlos",  "Wei",      "Liam",   "Olivia",  "Kwame", "Ama",   "Ravi",    "Anita",
    "Tom",   "Grace",   "Peter",    "Linda",  "Michael", "Sofia", "Ahmed", "Zara",    "Ben",
};
inline constexpr std::string_view kLastNames[] = {
    "Anderson", "Henningsen", "Sharma", "Okafor",  "Smith",   "Khan",     "Patel",  "Nkosi",
    "Brown",    "Garcia",     "Singh",  "Adeyemi", "Johnson", "Williams", "Mensah", "Kumar",
    "Reyes",    "Murphy",     "Chen",   "Oduya",   "Taylor",  "Mokoena",  "Iyer",   "Walker",
};
inline constexpr std::string_view kOrganisations[] = {
    "Health News Daily",   "COVID-19 Updates", "City Hospital",     "The Daily Report",
    "Global Health Watch", "Corona Tracker",   "Public Health Now", "Metro News 24",
    "Science Desk",        "Pandemic Facts",
};
inline constexpr std::string_view kRoles[] = {
    "Journalist",
    "Nurse",
    "Dad of two",
    "Software engineer",
    "Public health researcher",
    "Teacher",
    "Proud Nigerian",
    "Retired doctor",
    "Student",
    "Small business owner",
    "News and updates",
    "Football fan",
    "Epidemiologist",
    "Mum, wife, runner",
    "Christian, chemist, professor",
};
inline constexpr std::string_view kInterests[] = {
    "politics", "science",     "coffee", "travel", "music", "football", "cricket",
    "books",    "photography", "data",   "health", "tech",  "food",     "faith",
};

}  // namespace covidflow::ingest::internal
