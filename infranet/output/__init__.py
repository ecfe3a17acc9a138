"""Output of results: tables for people, JSON and CSV for programs, progress on stderr.

Every CLI command writes through :func:`emit`, so ``--format table|json|csv`` means the same
everywhere: one table per result for people, one JSON document or one CSV table for programs.
``infranet show`` prints :func:`describe`.
"""

from infranet.output.console import FORMATS, emit, progress, table_width
from infranet.output.records import to_csv, to_json
from infranet.output.tables import render
from infranet.output.topology import describe
from infranet.output.values import flatten, text

__all__ = ["FORMATS", "describe", "emit", "flatten", "progress", "render",
           "table_width", "text", "to_csv", "to_json"]
