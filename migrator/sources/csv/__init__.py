"""CSV and TSV exports: one record per data row, or per run of rows (``group_by``);
``source.py`` says how odd input is read.

``rows.py`` parses physical lines into rows, ``groups.py`` makes consecutive rows with one
``group_by`` value one record, ``encodings.py`` guesses how the bytes are encoded,
``describe.py`` is ``migrator inspect``'s summary and starter mapping.
"""

from migrator.sources.csv.source import CsvSource, CsvStats

__all__ = ["CsvSource", "CsvStats"]
