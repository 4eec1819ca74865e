# The location normalizer fuzz target (owned by enrich/location); included from tests/fuzz.
# Seed corpus and kept inputs: tests/fuzz/corpus/location/ (replayed by enrich_location_test).
cf_fuzzer(location_normalizer_fuzz
  SOURCES
    ${PROJECT_SOURCE_DIR}/src/enrich/location/tests/location_fuzz.cc
    ${PROJECT_SOURCE_DIR}/src/enrich/location/tests/location_fuzz_body.cc
  DEPS covidflow_enrich_location)
