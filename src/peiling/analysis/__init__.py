"""peiling's analysis engine: pure Python (numpy, scipy), no Django, no database.

``Dataset`` holds the answers as columns with the Form's metadata; ``tabulate`` and the table
functions turn them into frozen ``Table`` values; ``rake`` weights; ``significance`` marks.

    from peiling.analysis import Dataset, make_banner, tabulate
    tables = tabulate(dataset, banner=make_banner(dataset, ["org_type"]), filter="${ict} = 1")
"""

from peiling.analysis.dataset import (
    Category,
    DataProblem,
    Dataset,
    DatasetError,
    ExpressionFailed,
    UnknownVariableError,
    Variable,
    variables_from_form,
)
from peiling.analysis.significance import (
    column_letters,
    compare_column_means,
    compare_column_proportions,
    mean_letters,
    versus_rest,
    welch_t,
)
from peiling.analysis.tables import (
    Band,
    Banner,
    Column,
    Net,
    NetScore,
    Row,
    Table,
    TableError,
    banded_table,
    bands,
    frequency_table,
    grid_table,
    make_banner,
    multiple_table,
    numeric_table,
    round_half_up,
    tabulate,
)
from peiling.analysis.weighting import (
    WeightingError,
    WeightingResult,
    cell_weights,
    effective_n,
    rake,
)

__all__ = [
    "Band",
    "Banner",
    "Category",
    "Column",
    "DataProblem",
    "Dataset",
    "DatasetError",
    "ExpressionFailed",
    "Net",
    "NetScore",
    "Row",
    "Table",
    "TableError",
    "UnknownVariableError",
    "Variable",
    "WeightingError",
    "WeightingResult",
    "banded_table",
    "bands",
    "cell_weights",
    "column_letters",
    "compare_column_means",
    "compare_column_proportions",
    "effective_n",
    "frequency_table",
    "grid_table",
    "make_banner",
    "mean_letters",
    "multiple_table",
    "numeric_table",
    "rake",
    "round_half_up",
    "tabulate",
    "variables_from_form",
    "versus_rest",
    "welch_t",
]
