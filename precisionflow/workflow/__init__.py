"""The Snakemake glue: what the rules and the script adapters share, apart from the science.

* :mod:`~precisionflow.workflow.paths` — every output path of every step (one place answers "where does step X
  write Y"); the rules and the library modules that name outputs import them from here.
* :mod:`~precisionflow.workflow.configuration` — config files checked before any job (keys given twice,
  schema errors as one line).
* :mod:`~precisionflow.workflow.runner` — ``run_script(main, snakemake)``: logging and one-line failures of
  the ``scripts/*.py`` adapters.
* :mod:`~precisionflow.workflow.runstate` — stale Snakemake locks of a killed run, cleared so the same
  command resumes it.
* :mod:`~precisionflow.workflow.workdir` — the working folder takes the outputs (checked at parse time).
"""
