# The segment reader fuzz target (owned by the log module); included from tests/fuzz.
cf_fuzzer(segment_reader_fuzz
  SOURCES
    ${CMAKE_CURRENT_LIST_DIR}/segment_reader_fuzz.cc
    ${CMAKE_CURRENT_LIST_DIR}/segment_fuzz_body.cc
  DEPS covidflow_log)
