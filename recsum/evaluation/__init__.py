"""The evaluation wing: datasets, systems, batch runs, ROUGE, reports and pipelines.

Its modules depend downward only: ``data`` (records) and ``systems`` (the registry) at the
bottom; ``predictions`` (the resumable JSON-lines files) and ``batch`` (systems over records);
``ray_engine`` (the same batches on Ray actors); ``rouge`` and ``readability`` (metrics);
``report`` (tables, plots, scores.json); ``runs`` (the Python API over datasets: summarize,
evaluate) and ``pipeline`` (a TOML or YAML file run as batch → evaluate → report) on top.
"""
