"""Number-list files as customers upload them (service and end-to-end tests share these)."""
from __future__ import annotations

import io

from openpyxl import Workbook

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def xlsx_file(values: list) -> bytes:
    """A write-only workbook: a header row, then one value per row in the first column."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet("号码")
    sheet.append(["手机号码"])
    for value in values:
        sheet.append([value])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
