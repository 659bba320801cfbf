# ztmeet — the two commands of the README, and a few for developers.
#   make demo   install what is missing, build, run a whole local meeting
#   make test   install what is missing, build, run every test
# Both start with scripts/install-deps, which is idempotent and quick when all is there.

PRESET ?= release
BUILD  := build/$(PRESET)
JOBS   ?= $(shell nproc)

.PHONY: all deps configure build test demo asan fuzz bench format clean

all: build

deps:
	@scripts/install-deps

configure: deps
	@cmake --preset $(PRESET) >/dev/null

build: configure
	@cmake --build --preset $(PRESET) -j $(JOBS)

test: build
	@scripts/run-tests $(PRESET)

demo: build
	@$(BUILD)/apps/ztmeet/ztmeet demo

asan:
	@$(MAKE) --no-print-directory test PRESET=asan-ubsan

fuzz: deps
	@cmake --preset fuzz >/dev/null && cmake --build --preset fuzz -j $(JOBS)

bench: build
	@$(BUILD)/bench/ztm_bench

format:
	@git ls-files '*.h' '*.cc' | xargs clang-format -i

clean:
	rm -rf build
