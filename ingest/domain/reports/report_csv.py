"""A report's rows as CSV (``?format=csv`` of ``/api/v1/reports/<measure>``): the rows the
JSON answer has, then the total, every cell formula-safe by ``persons_csv``'s rule (a group's
label is a visitor's UTM value or a form's name)."""

from __future__ import annotations

from ingest.domain.money import amount_text
from ingest.domain.persons_csv import BOM, lines, neutralise
from ingest.domain.reports.run import Result, Row


def text(result: Result) -> str:
    money = result.report.measure.money
    header = ["key", "label", *(c.lower().replace(" ", "_") for c in result.columns)]
    if money:
        header.append("currency")

    def cells(row: Row) -> list[str]:
        values: list[object] = [row.key, row.label]
        values += [amount_text(c.value) if money else c.value for c in row.cells]
        if money:
            values.append(row.cells[0].currency)
        return [neutralise(v) for v in values]

    return BOM + lines([header, *(cells(r) for r in result.rows), cells(result.total)])
