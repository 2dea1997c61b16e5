# Helpers that keep every target's settings target-scoped (see STYLE.md, habit 9).
#
#   tc_cc_library(NAME name SRCS ... DEPS ...)   a static library under the project's warning flags
#   tc_cc_binary(NAME name SRCS ... DEPS ...)    an executable
#   tc_cc_test(NAME name SRCS ... DEPS ... [LABELS ...] [OWN_MAIN])  a GoogleTest binary registered
#       with CTest (label "unit" unless told otherwise); OWN_MAIN when a DEP brings main()

set(TC_WARNINGS -Wall -Wextra -Werror -Wno-unused-parameter)

function(_tc_common target)
  target_compile_options(${target} PRIVATE ${TC_WARNINGS})
  target_compile_features(${target} PUBLIC cxx_std_17)
  target_include_directories(${target} PUBLIC
    ${PROJECT_SOURCE_DIR}/include
    ${PROJECT_SOURCE_DIR})
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
  cmake_parse_arguments(TC "OWN_MAIN" "NAME" "SRCS;DEPS;LABELS" ${ARGN})
  if(NOT TC_LABELS)
    set(TC_LABELS unit)
  endif()
  add_executable(${TC_NAME} ${TC_SRCS})
  _tc_common(${TC_NAME})
  target_link_libraries(${TC_NAME} PRIVATE ${TC_DEPS} tc_testing GTest::gmock)
  if(NOT TC_OWN_MAIN)
    target_link_libraries(${TC_NAME} PRIVATE GTest::gtest_main)
  endif()
  gtest_discover_tests(${TC_NAME}
    WORKING_DIRECTORY ${PROJECT_BINARY_DIR}
    PROPERTIES LABELS "${TC_LABELS}"
    DISCOVERY_TIMEOUT 60)
endfunction()
