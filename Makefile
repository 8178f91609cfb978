VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: install demo test lint bench chaos fuzz reference clean

$(STAMP): pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(VENV)/bin/migrator demo

test: $(STAMP)
	$(PY) -m pytest -q

# The fuzz test of tests/sources/test_fuzz.py with 5,000 mutated exports (the suite runs 1,001).
fuzz: $(STAMP)
	MIGRATOR_FUZZ_INPUTS=5000 $(PY) -m pytest -q tests/sources/test_fuzz.py

lint: $(STAMP)
	$(VENV)/bin/ruff check migrator tests bench
	$(VENV)/bin/ruff format --check migrator tests bench
	$(VENV)/bin/mypy

# The chaos tests at full length (the suite runs them short): 104 signalled runs.
chaos: $(STAMP)
	MIGRATOR_CHAOS_RUNS=104 $(PY) -m pytest -q -s -m chaos -p no:randomly --timeout 1200

# Ends with bench/compare.py's table: each row against its comparator, target, met or not.
# Sizes: BENCH_SCALE (default 1; 0.01 for a quick check), BENCH_WXR_MB (the large WXR
# export, default 1024), BENCH_REPEAT (default 3). About 10 minutes on a quiet machine.
bench: $(STAMP)
	$(PY) bench/run.py && $(PY) bench/links.py && $(PY) bench/wxr_memory.py --media-heavy-only \
		&& $(PY) bench/compare.py

# docs/mapping-reference.md, from the transforms' and sources' registries (a test checks it).
reference: $(STAMP)
	$(PY) -m migrator.mapping.reference > docs/mapping-reference.md

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache build *.egg-info
