# Helpers that give every tickerflow target the same warnings, sanitizers and output layout.

set(TICKERFLOW_WARNINGS -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wno-sign-conversion
    -Wnon-virtual-dtor -Wold-style-cast -Wcast-align -Wnull-dereference -Wimplicit-fallthrough)

# Every executable lands in the build root with an rpath to it, where libduckdb.so is copied.
set(CMAKE_RUNTIME_OUTPUT_DIRECTORY "${CMAKE_BINARY_DIR}")
set(CMAKE_BUILD_RPATH "$ORIGIN")
set(CMAKE_INSTALL_RPATH "$ORIGIN")

function(tickerflow_configure target)
  target_compile_options(${target} PRIVATE ${TICKERFLOW_WARNINGS})
  if(TICKERFLOW_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
  if(TICKERFLOW_SANITIZE)
    target_compile_options(${target} PRIVATE -fsanitize=address,undefined -fno-omit-frame-pointer
                                             -fno-sanitize-recover=all)
    target_link_options(${target} PRIVATE -fsanitize=address,undefined)
  endif()
endfunction()

# tickerflow_library(<name> SOURCES ... DEPS ...): one subsystem library, `tickerflow_<name>`,
# whose headers are included as "<name>/<file>.h" from src/.
function(tickerflow_library name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS;PRIVATE_DEPS" ${ARGN})
  add_library(tickerflow_${name} STATIC ${ARG_SOURCES})
  target_include_directories(tickerflow_${name} PUBLIC "${PROJECT_SOURCE_DIR}/src")
  target_link_libraries(tickerflow_${name} PUBLIC ${ARG_DEPS} PRIVATE ${ARG_PRIVATE_DEPS})
  tickerflow_configure(tickerflow_${name})
endfunction()

# tickerflow_test(<name> SOURCES ... DEPS ...): a GoogleTest program registered with CTest, one
# CTest entry per test case. Label "unit" unless LABELS says otherwise.
function(tickerflow_test name)
  if(NOT TICKERFLOW_BUILD_TESTS)
    return()
  endif()
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS;LABELS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE ${ARG_DEPS} GTest::gtest GTest::gmock GTest::gtest_main)
  target_compile_definitions(${name} PRIVATE
    TICKERFLOW_SOURCE_DIR="${PROJECT_SOURCE_DIR}"
    TICKERFLOW_BINARY_DIR="${PROJECT_BINARY_DIR}")
  tickerflow_configure(${name})
  add_dependencies(${name} duckdb_runtime)
  if(NOT ARG_LABELS)
    set(ARG_LABELS unit)
  endif()
  gtest_discover_tests(${name} PROPERTIES LABELS "${ARG_LABELS}" DISCOVERY_TIMEOUT 60)
endfunction()
