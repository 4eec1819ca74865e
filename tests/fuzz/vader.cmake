# The VADER scorer fuzz target (owned by enrich); included from tests/fuzz.
# Seed corpus and kept inputs: tests/fuzz/corpus/vader/ (replayed by enrich_vader_test).
cf_fuzzer(vader_fuzz
  SOURCES
    ${CMAKE_CURRENT_LIST_DIR}/vader_fuzz.cc
    ${PROJECT_SOURCE_DIR}/src/enrich/tests/vader_fuzz_body.cc
  DEPS covidflow_enrich)
