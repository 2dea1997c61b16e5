# Helpers that keep every target's settings target-scoped (see STYLE.md, habit 9).
#
#   tc_cc_library(NAME name SRCS ... DEPS ...)   a static library under the project's warning flags
#   tc_cc_binary(NAME name SRCS ... DEPS ...)    an executable
#   tc_cc_test(NAME name SRCS ... DEPS ... [LABELS ...] [NO_PRETTY_VALUES] [OWN_MAIN]
#              [TEST_PROPERTIES prop value ...])
#                                      a GoogleTest binary registered with CTest (label "unit"
#                                      unless told otherwise); NO_PRETTY_VALUES for suites whose
#                                      parameters are named, so that ctest shows the name alone;
#                                      OWN_MAIN when a DEP brings main(); TEST_PROPERTIES set on
#                                      each of its tests (e.g. a fixture)
#   tc_fuzz_target(NAME name SRCS ... DEPS ...)  a libFuzzer target in tests/fuzz (see there)

option(THROUGHCARE_FUZZ
  "Build for fuzzing (clang): every target instrumented with -fsanitize=fuzzer-no-link,address,undefined, and the fuzz targets of tests/fuzz (tests/fuzz/run.sh)"
  OFF)

set(TC_WARNINGS -Wall -Wextra -Werror -Wno-unused-parameter)
set(TC_FUZZ_FLAGS "")
if(THROUGHCARE_FUZZ)
  # clang warns about other things than gcc, which the ordinary build holds to -Werror.
  set(TC_WARNINGS -Wall -Wextra -Wno-unused-parameter)
  set(TC_FUZZ_FLAGS -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all
                    -fno-omit-frame-pointer)
endif()

# Checked builds (tests/run.sh makes one in build-tsan): clang's lock annotations checked at
# compile time, and ThreadSanitizer. Both target-scoped through the helpers below.
option(TC_THREAD_SAFETY "Check ABSL_GUARDED_BY and friends (clang's -Wthread-safety) as errors" OFF)
set(TC_SANITIZE "" CACHE STRING "Build every target with -fsanitize=<this> (e.g. thread)")
if(TC_THREAD_SAFETY)
  if(NOT CMAKE_CXX_COMPILER_ID MATCHES "Clang")
    message(FATAL_ERROR "TC_THREAD_SAFETY needs clang (-DCMAKE_CXX_COMPILER=clang++)")
  endif()
  list(APPEND TC_WARNINGS -Wthread-safety)
endif()
set(TC_SANITIZE_FLAGS)
if(TC_SANITIZE)
  set(TC_SANITIZE_FLAGS -fsanitize=${TC_SANITIZE} -fno-omit-frame-pointer)
endif()

function(_tc_common target)
  target_compile_options(${target} PRIVATE ${TC_WARNINGS} ${TC_SANITIZE_FLAGS} ${TC_FUZZ_FLAGS})
  target_link_options(${target} PRIVATE ${TC_SANITIZE_FLAGS})
  if(THROUGHCARE_FUZZ)
    target_link_options(${target} PUBLIC -fsanitize=address,undefined)
  endif()
  target_compile_features(${target} PUBLIC cxx_std_17)
  # Only include/ is public; the repository root (for "services/...", "client/..." paths) is
  # each target's own, so a dependency does not hand it on. tests/layers/check_includes.py
  # checks which folder may include which.
  target_include_directories(${target} PUBLIC ${PROJECT_SOURCE_DIR}/include)
  target_include_directories(${target} PRIVATE ${PROJECT_SOURCE_DIR})
endfunction()

function(tc_cc_library)
  cmake_parse_arguments(TC "" "NAME" "SRCS;DEPS" ${ARGN})
  add_library(${TC_NAME} STATIC ${TC_SRCS})
  _tc_common(${TC_NAME})
  target_link_libraries(${TC_NAME} PUBLIC ${TC_DEPS})
endfunction()

function(tc_cc_binary)
  cmake_parse_arguments(TC "" "NAME" "SRCS;DEPS" ${ARGN})
  add_executable(${TC_NAME} ${TC_SRCS})
  _tc_common(${TC_NAME})
  target_link_libraries(${TC_NAME} PRIVATE ${TC_DEPS})
endfunction()

function(tc_cc_test)
  cmake_parse_arguments(TC "NO_PRETTY_VALUES;OWN_MAIN" "NAME" "SRCS;DEPS;LABELS;TEST_PROPERTIES"
                        ${ARGN})
  if(NOT TC_LABELS)
    set(TC_LABELS unit)
  endif()
  set(pretty)
  if(TC_NO_PRETTY_VALUES)
    set(pretty NO_PRETTY_VALUES)
  endif()
  add_executable(${TC_NAME} ${TC_SRCS})
  _tc_common(${TC_NAME})
  target_link_libraries(${TC_NAME} PRIVATE ${TC_DEPS} tc_testing GTest::gmock)
  if(NOT TC_OWN_MAIN)
    target_link_libraries(${TC_NAME} PRIVATE GTest::gtest_main)
  endif()
  if(TC_SANITIZE STREQUAL "thread")
    # Debian's Abseil is not instrumented: make its locks visible to the sanitizer.
    target_sources(${TC_NAME} PRIVATE ${PROJECT_SOURCE_DIR}/tests/testing/tsan_absl_sync.cc)
    target_link_libraries(${TC_NAME} PRIVATE ${CMAKE_DL_LIBS})
  endif()
  gtest_discover_tests(${TC_NAME} ${pretty}
    WORKING_DIRECTORY ${PROJECT_BINARY_DIR}
    PROPERTIES LABELS "${TC_LABELS}" ${TC_TEST_PROPERTIES}
    DISCOVERY_TIMEOUT 60)
endfunction()

# A fuzz target: LLVMFuzzerTestOneInput in SRCS, seeds in tests/fuzz/corpus/<name>/. With
# THROUGHCARE_FUZZ it links libFuzzer, joins the target fuzz_targets, and is listed for
# tests/fuzz/run.sh in <build>/fuzz/<name>.target ("name binary seeds"); otherwise it links
# tests/fuzz/replay_main.cc and runs over its seeds as the test <name>_seeds.
function(tc_fuzz_target)
  cmake_parse_arguments(TC "" "NAME" "SRCS;DEPS" ${ARGN})
  set(seeds ${PROJECT_SOURCE_DIR}/tests/fuzz/corpus/${TC_NAME})
  if(THROUGHCARE_FUZZ)
    add_executable(${TC_NAME} ${TC_SRCS})
    target_link_options(${TC_NAME} PRIVATE -fsanitize=fuzzer)
    add_dependencies(fuzz_targets ${TC_NAME})
    file(GENERATE OUTPUT ${PROJECT_BINARY_DIR}/fuzz/${TC_NAME}.target
         CONTENT "${TC_NAME} $<TARGET_FILE:${TC_NAME}> ${seeds}\n")
  else()
    add_executable(${TC_NAME} ${TC_SRCS} ${PROJECT_SOURCE_DIR}/tests/fuzz/replay_main.cc)
    add_test(NAME ${TC_NAME}_seeds COMMAND ${TC_NAME} ${seeds})
    set_tests_properties(${TC_NAME}_seeds PROPERTIES LABELS unit)
  endif()
  _tc_common(${TC_NAME})
  target_link_libraries(${TC_NAME} PRIVATE ${TC_DEPS})
endfunction()
