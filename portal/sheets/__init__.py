"""All spreadsheet reading and writing of the portal goes through this package.

- ``read_table``: an uploaded file, its kind told by its content (xlsx, or CSV in UTF-8
  with or without BOM, or CP932), checked for zip bombs and XML entity tricks before it
  is parsed, its columns found by their headers. Errors read 「N行目: …」.
- ``xlsx_download`` / ``csv_download``: streamed downloads written with constant memory,
  where no text cell can start a formula.
"""

from portal.sheets.cells import clean_id, neutralise
from portal.sheets.errors import SheetError
from portal.sheets.reader import Table, read_table
from portal.sheets.writer import Sheet, csv_download, write_xlsx, xlsx_download

__all__ = [
    "Sheet",
    "SheetError",
    "Table",
    "clean_id",
    "csv_download",
    "neutralise",
    "read_table",
    "write_xlsx",
    "xlsx_download",
]
