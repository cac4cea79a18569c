# embodb developer entry points. Each target installs what is missing, and only that.
#   make demo       build and run the main job
#   make test       lint (ruff), build, run the C++ tests (ctest) and the Python tests (pytest)
#   make test-slow  the same plus long-running tests (more crash rounds)
#   make bench      benchmarks against peers; results go to benchmarks/RESULTS.md by hand
#   make test SANITIZE=1   C++ tests built with ASan + UBSan (separate build directory)

PYTHON     ?= python3
VENV       := .venv
VPY        := $(VENV)/bin/python
BUILD_DIR  := build/py
ASAN_DIR   := build/asan
STAMPS     := .stamps
APT_PKGS   := g++ cmake ninja-build pkg-config ccache libtbb-dev libzstd-dev libgtest-dev
CORE_SRCS  := $(shell find cpp -name '*.cc' -o -name '*.h' 2>/dev/null) CMakeLists.txt pyproject.toml
JOBS       ?= $(shell nproc)

.PHONY: demo test test-slow test-cpp test-py lint bench system-deps build clean

system-deps:
	@missing=""; for p in $(APT_PKGS); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages:$$missing"; \
	  SUDO=""; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing; \
	fi

$(VPY):
	$(PYTHON) -m venv $(VENV)

$(STAMPS)/venv: pyproject.toml | $(VPY)
	$(VPY) -m pip install -q --upgrade pip
	$(VPY) -m pip install -q "scikit-build-core>=0.10" "pybind11>=2.12" cmake ninja numpy pytest hypothesis pandas pyarrow ruff
	@mkdir -p $(STAMPS) && touch $@

$(STAMPS)/build: $(CORE_SRCS) $(STAMPS)/venv | system-deps
	PATH="$(CURDIR)/$(VENV)/bin:$$PATH" $(VPY) -m pip install -q --no-build-isolation -e . \
	  -Cbuild-dir=$(BUILD_DIR) -Cbuild.verbose=false \
	  -Ccmake.define.EMBODB_BUILD_TESTS=ON \
	  -Ccmake.define.CMAKE_CXX_COMPILER_LAUNCHER=ccache \
	  -Cbuild.tool-args=-j$(JOBS)
	@touch $@

build: system-deps $(STAMPS)/build

ifeq ($(SANITIZE),1)
test-cpp: system-deps $(STAMPS)/venv
	PATH="$(CURDIR)/$(VENV)/bin:$$PATH" cmake -S . -B $(ASAN_DIR) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	  -DEMBODB_BUILD_TESTS=ON -DEMBODB_SANITIZE=ON -DCMAKE_CXX_COMPILER_LAUNCHER=ccache
	PATH="$(CURDIR)/$(VENV)/bin:$$PATH" cmake --build $(ASAN_DIR) -j$(JOBS)
	PATH="$(CURDIR)/$(VENV)/bin:$$PATH" ctest --test-dir $(ASAN_DIR) --output-on-failure -j$(JOBS)
else
test-cpp: build
	PATH="$(CURDIR)/$(VENV)/bin:$$PATH" ctest --test-dir $(BUILD_DIR) --output-on-failure -j$(JOBS)
endif

# What the notebooks need (tests/test_notebooks.py runs them).
$(STAMPS)/notebook-deps: $(STAMPS)/venv
	$(VPY) -m pip install -q matplotlib tqdm hnswlib
	@touch $@

test-py: build $(STAMPS)/notebook-deps
	$(VPY) -m pytest tests -m "not slow"

# ruff with the rules in pyproject.toml ([tool.ruff]).
lint: $(STAMPS)/venv
	$(VENV)/bin/ruff check python tests benchmarks

test: lint test-cpp test-py

test-slow: build test-cpp $(STAMPS)/notebook-deps
	EMBODB_HYPOTHESIS_PROFILE=slow $(VPY) -m pytest tests

demo: build
	$(VPY) -m embodb.demo

$(STAMPS)/bench-deps-5: $(STAMPS)/venv
	$(MAKE) system-deps APT_PKGS="libusb-1.0-0 libgl1 libgomp1"  # for Open3D
	$(VPY) -m pip install -q rocksdict lmdb duckdb lancedb motedb-python pyarrow pandas hnswlib faiss-cpu usearch \
		scipy pykdtree threadpoolctl open3d pcodec zstandard tsdownsample
	@touch $@

bench: build $(STAMPS)/bench-deps-5
	$(VPY) benchmarks/bench_kv.py
	$(VPY) benchmarks/bench_insert.py
	$(VPY) benchmarks/bench_table.py
	$(VPY) benchmarks/bench_robot.py
	$(VPY) benchmarks/bench_vector.py
	$(VPY) benchmarks/bench_vector.py --rows 1000000
	$(VPY) benchmarks/bench_spatial.py
	$(VPY) benchmarks/bench_timeseries.py

clean:
	rm -rf build $(STAMPS)
