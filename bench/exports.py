"""Benchmark the export writers: 100,000 responses x 100 variables, each format.

Usage: ``.venv/bin/python bench/exports.py [--rows 100000] [--distinct 10000] [--runs 3]``

The questionnaire is built here: 100 questions of the kinds a panel survey has (60 single
choice of which 40 five-point scales with "weet niet", 10 multiple choice with 8 choices, 15
numbers, 10 open answers, 5 dates), 20 of them routed on the type of organisation. Respondents
come from ``peiling.forms.simulate.simulate_answers`` (valid answers, routing walked);
``--distinct`` of them are simulated and repeated to ``--rows`` rows, and every open answer is
made unique by its row number, so the text columns are as costly as real ones.

Times are wall-clock seconds, the best of ``--runs`` runs, writing to a temporary directory.

With ``--database`` the script measures what a researcher waits for: ``peiling export`` end
to end. It fills a fresh PostgreSQL database ``peiling_bench_export`` (127.0.0.1:5432) with the
same responses as completed responses of one fieldwork, then times
``exchange.services.fieldwork_export`` per format: reading the answers from the database,
building the Dataset and writing the file. In the same run it times the way exports read
before (every stored JSON document decoded into a dict, then ``Dataset.from_records``) as the
baseline of the read.
The baseline is pandas writing the same table (ODK columns: categoricals, numbers, text) with
``DataFrame.to_csv`` and ``DataFrame.to_parquet``, in the same run. Before the writers, the
script times what ``peiling export`` does before writing, short of the database query: decoding
each response's stored JSON and building the Dataset.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import random
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow
import pyreadstat
from machine import cpu_model  # bench/machine.py, beside this script

from peiling.analysis.dataset import Dataset
from peiling.exchange.columns import flat_columns
from peiling.exchange.writers import ExportData, get_writer
from peiling.fieldwork.answers import answers_from_json, answers_to_json
from peiling.forms.model import Choice, Form, Group, Question
from peiling.forms.simulate import simulate_answers

TARGET_SECONDS = 10.0
FORMATS = ("sav", "csv", "xlsx", "parquet", "html", "pdf")


def label(text: str) -> dict[str, str]:
    return {"Nederlands (nl)": text}


def bench_form() -> Form:
    """Return the 100-question benchmark questionnaire."""
    routed = "${org} = 'gemeente'"
    scale = [Choice(n, label(t)) for n, t in (
        ("helemaal_eens", "Helemaal mee eens"), ("eens", "Mee eens"), ("neutraal", "Neutraal"),
        ("oneens", "Mee oneens"), ("helemaal_oneens", "Helemaal mee oneens"),
        ("weet_niet", "Weet niet"))]  # fmt: skip
    lists = {
        "org": (
            *(Choice(f"org{i}", label(f"Organisatie {i}")) for i in range(1, 9)),
            Choice("gemeente", label("Gemeente")),
        ),
        "agree": tuple(scale),
        "kanaal": tuple(Choice(f"k{i}", label(f"Kanaal {i}")) for i in range(1, 9)),
        "cat": tuple(Choice(f"c{i}", label(f"Categorie {i}")) for i in range(1, 9)),
    }
    items: list[Any] = [Question("org", "select_one", label("Type organisatie"), choice_list="org")]
    for i in range(1, 40):
        items.append(Question(f"st{i}", "select_one", label(f"Stelling {i}"), choice_list="agree",
                              relevant=routed if i <= 10 else None))  # fmt: skip
    grid = [Question(f"gr{i}", "select_one", label(f"Rij {i}"), choice_list="agree")
            for i in range(1, 11)]  # fmt: skip
    items.append(Group("grid", label("Stellingen"), appearance="table-list", children=tuple(grid)))
    items += [Question(f"cat{i}", "select_one", label(f"Categorie {i}"), choice_list="cat")
              for i in range(1, 11)]  # fmt: skip
    items += [Question(f"ms{i}", "select_multiple", label(f"Meerkeuze {i}"), choice_list="kanaal",
                       relevant=routed if i <= 3 else None) for i in range(1, 11)]  # fmt: skip
    items += [Question(f"n{i}", "integer" if i % 2 else "decimal", label(f"Getal {i}"),
                       relevant=routed if i <= 4 else None, constraint=". >= 0 and . <= 100")
              for i in range(1, 16)]  # fmt: skip
    items += [Question(f"open{i}", "text", label(f"Open vraag {i}"),
                       relevant=routed if i <= 3 else None) for i in range(1, 11)]  # fmt: skip
    items += [Question(f"d{i}", "date", label(f"Datum {i}")) for i in range(1, 6)]
    form = Form("bench", "Benchmark", "1", "Nederlands (nl)", ("Nederlands (nl)",),
                tuple(items), lists)  # fmt: skip
    assert len(form.questions()) == 100, len(form.questions())
    return form


def bench_records(form: Form, rows: int, distinct: int, seed: int = 20240501) -> list[dict]:
    """Return ``rows`` respondents' answers: ``distinct`` simulated ones repeated, each open
    answer made unique by its row number."""
    rng = random.Random(seed)
    today = dt.date(2024, 5, 1)
    simulated = [simulate_answers(form, rng, today=today) for _ in range(min(distinct, rows))]
    records = []
    for row in range(rows):
        record = dict(simulated[row % len(simulated)])
        for key, value in record.items():
            if key.startswith("open") and isinstance(value, str):
                record[key] = f"{value} ({row})"
        records.append(record)
    return records


def bench_data(form: Form, rows: int, distinct: int, seed: int = 20240501) -> ExportData:
    records = bench_records(form, rows, distinct, seed)
    # What exchange.services does per stored response (the JSON the database column holds).
    stored = [json.dumps(answers_to_json(record)) for record in records]
    start = time.perf_counter()
    decoded = [answers_from_json(form, json.loads(text)) for text in stored]
    print(f"JSON -> answers (json.loads + answers_from_json): {time.perf_counter() - start:.2f} s")
    start = time.perf_counter()
    dataset = Dataset.from_records(form, decoded)
    print(f"Dataset.from_records: {time.perf_counter() - start:.2f} s for {rows:,} rows")
    return ExportData(dataset, form, form.default_language)


def pandas_frame(data: ExportData) -> pd.DataFrame:
    """Return the export's table as an analyst holds it in pandas (the baseline's input)."""
    columns: dict[str, Any] = {}
    for column in flat_columns(data):
        if column.kind in ("category", "choices", "text"):
            columns[column.name] = pd.Categorical.from_codes(column.codes, list(column.values))
        else:
            lookup = np.array([*column.values, None], dtype=object)
            values = lookup[column.codes]
            if column.kind in ("number", "choice"):
                columns[column.name] = pd.array(values, dtype="Float64")
            else:
                columns[column.name] = pd.Series(values, dtype=object)
    return pd.DataFrame(columns)


def best_of(runs: int, function: Callable[[], Any]) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return min(times)


def nproc() -> str:
    try:
        return subprocess.run(["nproc"], capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return str(os.cpu_count())


EXPORT_DATABASE = "peiling_bench_export"
PG_SERVER = "postgres://postgres@127.0.0.1:5432"


def database_setup(form: Form, records: list[dict[str, Any]], var: Path) -> str:
    """Create the benchmark database with one fieldwork holding ``records``; return its slug."""
    for sql in (f"DROP DATABASE IF EXISTS {EXPORT_DATABASE} WITH (FORCE)",
                f"CREATE DATABASE {EXPORT_DATABASE}"):  # fmt: skip
        subprocess.run(["psql", f"{PG_SERVER}/postgres", "-v", "ON_ERROR_STOP=1", "-qc", sql],
                       check=True, capture_output=True)  # fmt: skip
    os.environ.update({"DATABASE_URL": f"{PG_SERVER}/{EXPORT_DATABASE}", "DEBUG": "0",
                       "PEILING_VAR_DIR": str(var), "PEILING_SECURE": "0",
                       "DJANGO_SETTINGS_MODULE": "peiling.settings"})  # fmt: skip
    import io

    import django

    django.setup()
    from django.core.management import call_command
    from django.utils import timezone

    from peiling.fieldwork.models import Response
    from peiling.fieldwork.services import fieldwork_create
    from peiling.fieldwork.tokens import new_respondent_key
    from peiling.forms.xlsform_writer import write_xlsform
    from peiling.questionnaires.services import form_version_import

    call_command("migrate", interactive=False, verbosity=0)
    source = io.BytesIO()
    write_xlsform(form, source)
    version = form_version_import(source=source.getvalue(), source_name="bench.xlsx").version
    now = timezone.now()
    fieldwork = fieldwork_create(form_version=version, slug="bench", name="Benchmark",
                                 opens_at=now - dt.timedelta(days=30), closes_at=now)  # fmt: skip
    start = time.perf_counter()
    for first in range(0, len(records), 5_000):
        Response.objects.bulk_create([
            Response(fieldwork=fieldwork, form_version=version,
                     respondent_key=new_respondent_key(), source="panel", status="completed",
                     answers=answers_to_json(record), language="nl", device_class="mobile",
                     started_at=now - dt.timedelta(days=1, seconds=first + i),
                     updated_at=now, completed_at=now)
            for i, record in enumerate(records[first:first + 5_000])
        ])  # fmt: skip
    print(f"stored {len(records):,} responses in PostgreSQL: {time.perf_counter() - start:.1f} s")
    return fieldwork.slug


def old_read(slug: str) -> float:
    """Time the read as exports did it before answer_columns: every JSON document decoded."""
    from peiling.fieldwork.models import Fieldwork, Response

    fieldwork = Fieldwork.objects.select_related("form_version").get(slug=slug)
    form = fieldwork.form_version.form
    start = time.perf_counter()
    rows = Response.objects.filter(fieldwork=fieldwork, status="completed").order_by(
        "started_at", "pk").values_list("answers", flat=True)  # fmt: skip
    records = [answers_from_json(form, answers) for answers in rows.iterator(chunk_size=2_000)]
    Dataset.from_records(form, records)
    return time.perf_counter() - start


def database_main(args: argparse.Namespace, form: Form, records: list[dict[str, Any]]) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        slug = database_setup(form, records, Path(scratch) / "var")
        from peiling.exchange.services import fieldwork_export, fieldwork_export_data
        from peiling.fieldwork.models import Fieldwork

        fieldwork = Fieldwork.objects.select_related("form_version").get(slug=slug)
        read_new = best_of(args.runs, lambda: fieldwork_export_data(fieldwork=fieldwork))
        read_old = best_of(1, lambda: old_read(slug))
        results = []
        for format in FORMATS:
            path = Path(scratch) / f"export{get_writer(format).suffixes[0]}"
            seconds = best_of(args.runs, lambda f=format, p=path: fieldwork_export(
                reference=slug, format=f, path=p))  # fmt: skip
            results.append((format, seconds, path.stat().st_size))
    print()
    print(f"run {dt.date.today().isoformat()} on {nproc()} cores ({cpu_model()}), Python "
          f"{platform.python_version()}, PostgreSQL on 127.0.0.1; load before "
          f"{os.getloadavg()[0]:.2f}")  # fmt: skip
    print(f"{len(records):,} completed responses x 100 questions; best of {args.runs} runs")
    print()
    print(f"read from the database into a Dataset: {read_new:.2f} s "
          f"(decoding each JSON document, as before: {read_old:.2f} s; "
          f"{read_old / read_new:.1f}x)")  # fmt: skip
    print()
    print_table("peiling export, end to end", results)



def print_table(what: str, results: list[tuple[str, float, int]],
                judged: Callable[[str], bool] = lambda _name: True) -> None:
    """Print ``(name, seconds, bytes)`` rows as a Markdown table against the 10 s target."""
    print(f"| {what} | seconds | MB | under 10 s |")
    print("|---|---:|---:|---|")
    for name, seconds, size in results:
        met = ("yes" if seconds < TARGET_SECONDS else "NO") if judged(name) else ""
        print(f"| {name} | {seconds:.2f} | {size / 1e6:.1f} | {met} |")

def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--distinct", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--database", action="store_true",
                        help="time peiling export end to end from PostgreSQL")  # fmt: skip
    args = parser.parse_args()
    if args.database:
        form = bench_form()
        database_main(args, form, bench_records(form, args.rows, args.distinct))
        return
    form = bench_form()
    data = bench_data(form, args.rows, args.distinct)
    columns = len(flat_columns(data))
    frame = pandas_frame(data)
    results: list[tuple[str, float, int]] = []
    with tempfile.TemporaryDirectory() as scratch:
        for format in FORMATS:
            writer = get_writer(format)
            path = Path(scratch) / f"export{writer.suffixes[0]}"
            seconds = best_of(args.runs, lambda w=writer, p=path: w.write(data, p))
            results.append((f"peiling {format}", seconds, path.stat().st_size))
        for name, write in (
            ("pandas to_csv", lambda p: frame.to_csv(p, index=False)),
            ("pandas to_parquet", lambda p: frame.to_parquet(p, engine="pyarrow")),
        ):
            path = Path(scratch) / name.replace(" ", ".")
            seconds = best_of(args.runs, lambda w=write, p=path: w(p))
            results.append((name, seconds, path.stat().st_size))
    print()
    print(f"run {dt.date.today().isoformat()} on {nproc()} cores ({cpu_model()}), Python "
          f"{platform.python_version()}, numpy {np.__version__}, pandas {pd.__version__}, "
          f"pyarrow {pyarrow.__version__}, pyreadstat {pyreadstat.__version__}")  # fmt: skip
    print(
        f"{args.rows:,} rows ({args.distinct:,} simulated, repeated) x 100 variables = "
        f"{columns} CSV/XLSX/Parquet columns; best of {args.runs} runs"
    )
    print()
    print_table("writer", results, judged=lambda name: "peiling" in name)


if __name__ == "__main__":
    main()
