"""Exchange: survey data in and out of peiling as files (CSV, XLSX, SPSS .sav, Parquet).

Pure Python (pandas, pyarrow, pyreadstat), no Django.

    from peiling.exchange import read_data
    result = read_data("antwoorden.csv", form)
    for line in result.report.lines():
        print("warning:", line)
"""

from peiling.exchange.readers import (
    FORMATS,
    ReadError,
    ReadReport,
    ReadResult,
    read_data,
    read_frame,
)

__all__ = ["FORMATS", "ReadError", "ReadReport", "ReadResult", "read_data", "read_frame"]
