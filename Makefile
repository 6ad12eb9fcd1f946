# precisionflow — every command sets up the project's virtual environment first (when missing).
PYTHON ?= python3.11
VENV   ?= .venv
CORES  ?= 2
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.requirements-installed

.PHONY: venv run report test lint bench demo clean

venv: $(STAMP)

$(STAMP): requirements.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $(STAMP)

## run: the default cohort (config/config.yaml: the demo) end to end, then its report
run: venv
	$(BIN)/snakemake --cores $(CORES)
	mkdir -p results/report
	$(BIN)/snakemake --cores $(CORES) --report results/report/report.zip

## report: the Snakemake report of the last run (results/report/report.zip)
report: venv
	mkdir -p results/report
	$(BIN)/snakemake --cores $(CORES) --report results/report/report.zip

## test: the whole test suite (unit, real data, workflow runs, SLURM)
test: venv
	$(BIN)/python -m pytest

## lint: ruff (lint and format), snakefmt and snakemake's linter; clean before every commit
lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/snakefmt --check Snakefile rules
	$(BIN)/snakemake --lint

## bench: benchmarks side by side with peer tools -> bench/results.md
bench: venv
	$(BIN)/python -m bench.run

## demo: regenerate the demo cohort (demo/ and config/samples.tsv) from its seed
demo: venv
	$(BIN)/python -m demo.generator --project

clean:
	rm -rf results logs benchmarks .snakemake
