# The sentiment enrichers: interface, enrichers by name, VADER, and the `sentiment` command.
# Included from src/enrich/CMakeLists.txt (the location normalizer has its own folder).

# The VADER lexicons (vendored under data/lexicons/vader/, MIT licence) are compiled into
# the library, so a binary needs no data files at run time.
add_executable(covidflow_embed_file ${CMAKE_CURRENT_LIST_DIR}/internal/embed_file.cc)
set(CF_VADER_DIR ${PROJECT_SOURCE_DIR}/data/lexicons/vader)
set(CF_EMBEDDED)
foreach(pair "vader_lexicon.txt:kVaderLexicon" "emoji_utf8_lexicon.txt:kEmojiLexicon")
  string(REPLACE ":" ";" parts ${pair})
  list(GET parts 0 file)
  list(GET parts 1 symbol)
  set(out ${CMAKE_CURRENT_BINARY_DIR}/embedded_${symbol}.cc)
  add_custom_command(
    OUTPUT ${out}
    COMMAND covidflow_embed_file ${CF_VADER_DIR}/${file} ${out} ${symbol}
    DEPENDS covidflow_embed_file ${CF_VADER_DIR}/${file}
    COMMENT "Embedding ${file}"
    VERBATIM)
  list(APPEND CF_EMBEDDED ${out})
endforeach()

cf_library(enrich
  SOURCES
    ${CMAKE_CURRENT_LIST_DIR}/enrichers.cc
    ${CMAKE_CURRENT_LIST_DIR}/enrichment.cc
    ${CMAKE_CURRENT_LIST_DIR}/vader.cc
    ${CMAKE_CURRENT_LIST_DIR}/sentiment_command.cc
    ${CMAKE_CURRENT_LIST_DIR}/internal/unicode_case.cc
    ${CMAKE_CURRENT_LIST_DIR}/internal/unicode_case_table.cc
    ${CMAKE_CURRENT_LIST_DIR}/internal/vader_tables.cc
    ${CF_EMBEDDED}
  DEPS covidflow_schema covidflow_base)
# Exact parity with the reference needs every floating-point operation in its order: no
# fused multiply-add.
target_compile_options(covidflow_enrich PRIVATE -ffp-contract=off)

add_subdirectory(${CMAKE_CURRENT_LIST_DIR}/tests ${CMAKE_CURRENT_BINARY_DIR}/tests)
