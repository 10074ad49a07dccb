PY ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: install demo test lint bench spark-bench scale campaign-scale link-parts small-files memory-limit incremental synchrony-cost generalize sample clean html-bench screenshots

$(BIN)/extractscan: pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	touch $@

install: $(BIN)/extractscan

demo: install
	$(BIN)/extractscan scan sample_logs/requests.csv.gz --accounts sample_logs/accounts.csv

test: install
	$(BIN)/ruff check extractscan tests benchmarks
	$(BIN)/mypy extractscan benchmarks tests
	$(BIN)/pytest

lint: install
	$(BIN)/ruff check extractscan tests benchmarks
	$(BIN)/ruff format --check extractscan tests benchmarks
	$(BIN)/mypy extractscan benchmarks tests

bench: install
	$(BIN)/python benchmarks/run.py
	$(BIN)/python benchmarks/detection.py

scale: install
	$(BIN)/python benchmarks/scale.py --memory-limit 8G --memory-limit none

campaign-scale: install
	$(BIN)/python benchmarks/campaign_scale.py

link-parts: install
	$(BIN)/python benchmarks/link_parts.py

small-files: install
	$(BIN)/python benchmarks/small_files.py

screenshots: install
	$(BIN)/python docs/screenshots.py

html-bench: install
	$(BIN)/python benchmarks/html_report.py

spark-bench: install
	$(BIN)/pip install -q -e '.[dev,spark]'
	$(BIN)/python benchmarks/spark_engine.py

incremental: install
	$(BIN)/python benchmarks/incremental.py

synchrony-cost: install
	$(BIN)/python benchmarks/synchrony_cost.py

memory-limit: install
	$(BIN)/python benchmarks/memory_limit.py

generalize: install
	$(BIN)/python benchmarks/generalize.py --rerun-4x 3

sample: install
	$(BIN)/extractscan simulate --rows 40000 --seed 7 --out sample_logs --format csv.gz

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
