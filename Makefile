# The two commands of the README:
#   make demo   set up .venv and run the main job on generated demo data (workspace ./demo)
#   make test   set up .venv and run the test suite (what CI runs): everything but the
#               `heavy` quality-target tests, which take many minutes on a CPU (make test-all)
.PHONY: setup demo test test-fast test-all lint clean

setup:
	./scripts/setup.sh

demo: setup
	.venv/bin/emma-fs demo --dir demo

test: setup
	OMP_NUM_THREADS=1 .venv/bin/pytest -q -m "not heavy"

test-all: setup
	OMP_NUM_THREADS=1 .venv/bin/pytest -q

test-fast: setup
	OMP_NUM_THREADS=1 .venv/bin/pytest -q -m "not slow"

lint: setup
	.venv/bin/ruff check emma_fs cli tests bench

clean:
	rm -rf demo .pytest_cache
