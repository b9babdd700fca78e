# Third-party dependencies: Debian 12 packages (installed by `make deps`) and DuckDB, which
# Debian does not package and which comes pinned from the npm registry (package-lock.json).

find_package(Threads REQUIRED)
find_package(fmt REQUIRED)
find_package(spdlog REQUIRED)
find_package(CLI11 REQUIRED)
find_package(nlohmann_json 3.11 REQUIRED)
find_package(tomlplusplus 3 REQUIRED)
find_package(OpenSSL 3 REQUIRED)
find_package(pugixml 1.13 REQUIRED)
# Howard Hinnant's date/tz (Debian's libhowardhinnant-date-dev): America/New_York for the
# market calendar, since libstdc++ 12 has no std::chrono::tzdb. Its date::date-tz target is
# libdate-tz built with USE_OS_TZDB: it reads the system's /usr/share/zoneinfo (tzdata) at run
# time and never downloads a database.
find_package(date 3 REQUIRED)
if(NOT TARGET date::date-tz)
  message(FATAL_ERROR "date's tz library (date::date-tz) not found: install libhowardhinnant-date-dev")
endif()
if(NOT EXISTS "/usr/share/zoneinfo/America/New_York")
  message(WARNING "/usr/share/zoneinfo/America/New_York is missing: the market calendar and its "
                  "tests need the tzdata package at run time (`make deps` installs it).")
endif()

if(TICKERFLOW_BUILD_TESTS)
  find_package(GTest REQUIRED)
  find_package(rapidcheck REQUIRED)
endif()
if(TICKERFLOW_BUILD_BENCHMARKS)
  find_package(benchmark REQUIRED)
endif()

# DuckDB: a flat directory with duckdb.h and libduckdb.so, the layout of both `.deps/duckdb`
# and DuckDB's official libduckdb-linux-amd64.zip.
find_path(DUCKDB_INCLUDE_DIR duckdb.h PATHS "${DUCKDB_ROOT}" "${DUCKDB_ROOT}/include" NO_DEFAULT_PATH)
find_library(DUCKDB_LIBRARY duckdb PATHS "${DUCKDB_ROOT}" "${DUCKDB_ROOT}/lib" NO_DEFAULT_PATH)
if(NOT DUCKDB_INCLUDE_DIR OR NOT DUCKDB_LIBRARY)
  message(FATAL_ERROR
    "DuckDB not found in DUCKDB_ROOT='${DUCKDB_ROOT}'. Run `make deps`, or pass "
    "-DDUCKDB_ROOT=<directory with duckdb.h and libduckdb.so>.")
endif()
add_library(duckdb_c SHARED IMPORTED GLOBAL)
set_target_properties(duckdb_c PROPERTIES IMPORTED_LOCATION "${DUCKDB_LIBRARY}")
# SYSTEM: DuckDB's header is not ours to keep warning-free.
target_include_directories(duckdb_c SYSTEM INTERFACE "${DUCKDB_INCLUDE_DIR}")

# Programs find libduckdb.so beside themselves ($ORIGIN), so build/tickerflow can be copied
# together with build/libduckdb.so anywhere.
set(TICKERFLOW_DUCKDB_COPY "${CMAKE_BINARY_DIR}/libduckdb.so")
add_custom_command(
  OUTPUT "${TICKERFLOW_DUCKDB_COPY}"
  COMMAND "${CMAKE_COMMAND}" -E copy_if_different "${DUCKDB_LIBRARY}" "${TICKERFLOW_DUCKDB_COPY}"
  DEPENDS "${DUCKDB_LIBRARY}"
  COMMENT "Copying libduckdb.so next to the programs")
add_custom_target(duckdb_runtime ALL DEPENDS "${TICKERFLOW_DUCKDB_COPY}")
