# tickerflow's entry points. `make demo` runs the main job; `make test` runs every test.
# Both set up what they need first (`make deps`), so they work on a fresh Debian 12 machine.

BUILD_DIR      ?= build
ASAN_BUILD_DIR ?= build-asan
JOBS           ?= $(shell nproc)
CMAKE_FLAGS    ?=
CTEST_FLAGS    ?= --output-on-failure --timeout 600

CONFIGURE = cmake -S . -G Ninja -DTICKERFLOW_WERROR=ON $(CMAKE_FLAGS)
FORMAT_FILES = git ls-files -- '*.cc' '*.h'

.PHONY: all deps build build-asan test test-unit test-asan demo bench format format-check tidy clean

all: build

deps:
	@bash tools/deps.sh

$(BUILD_DIR)/build.ninja: CMakeLists.txt | deps
	$(CONFIGURE) -B $(BUILD_DIR) -DCMAKE_BUILD_TYPE=Release

$(ASAN_BUILD_DIR)/build.ninja: CMakeLists.txt | deps
	$(CONFIGURE) -B $(ASAN_BUILD_DIR) -DCMAKE_BUILD_TYPE=Debug -DTICKERFLOW_SANITIZE=ON \
	  -DTICKERFLOW_BUILD_BENCHMARKS=OFF

## build: release build; the program is build/tickerflow
build: deps $(BUILD_DIR)/build.ninja
	cmake --build $(BUILD_DIR) -j $(JOBS)

build-asan: deps $(ASAN_BUILD_DIR)/build.ninja
	cmake --build $(ASAN_BUILD_DIR) -j $(JOBS)

## test: every test: the release build's unit and integration tests, then the unit tests
## again under AddressSanitizer + UndefinedBehaviorSanitizer, then the format check.
test: build build-asan
	cd $(BUILD_DIR) && ctest -j $(JOBS) $(CTEST_FLAGS)
	cd $(ASAN_BUILD_DIR) && ctest -j $(JOBS) -L unit $(CTEST_FLAGS)
	$(MAKE) --no-print-directory format-check

test-unit: build
	cd $(BUILD_DIR) && ctest -j $(JOBS) -L unit $(CTEST_FLAGS)

## demo: the current main job (see README.md); builds only the program, not the tests
demo: deps $(BUILD_DIR)/build.ninja
	cmake --build $(BUILD_DIR) -j $(JOBS) --target tickerflow
	@bash tools/demo.sh $(BUILD_DIR)/tickerflow

## bench: the benchmarks; figures go to docs/performance.md
bench: build
	@bash bench/run.sh $(BUILD_DIR)

format:
	$(FORMAT_FILES) | xargs clang-format -i

format-check:
	@$(FORMAT_FILES) | xargs clang-format --dry-run --Werror && echo "format-check: clean"

tidy: build
	$(FORMAT_FILES) | grep '\.cc$$' | xargs clang-tidy -p $(BUILD_DIR) --quiet

clean:
	rm -rf $(BUILD_DIR) $(ASAN_BUILD_DIR)
