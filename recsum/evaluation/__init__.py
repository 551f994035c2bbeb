"""The evaluation wing: datasets, systems, batch runs, ROUGE, reports and pipelines.

Its modules depend downward only: ``data`` (records) and ``systems`` (the registry) at the
bottom; ``predictions`` (the resumable JSON-lines files) and ``batch`` (systems over records);
``rouge`` and ``readability`` (metrics); ``report`` (tables, plots, scores.json); ``pipeline``
(a TOML or YAML file run as batch → evaluate → report) on top.
"""
