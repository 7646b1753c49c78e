"""Benchmark open answer coding (issue 21): themes proposed for 20,000 answers, and the
coding page at 20,000 answers.

    .venv/bin/python bench/open_answers.py [--n 20000] [--repeats 20]

1. ``openanswers.themes.propose`` on ``--n`` generated Dutch answers of six themes
   (``openanswers.generate``: four wordings per theme, openings, closings, 15% with a clause
   of another theme, 15% with a typo); the target is < 15 s. Baseline in the same run: a
   plain TF-IDF of the same answers (scikit-learn, no lemmas, no clustering). The adjusted
   Rand index against the themes the answers were made from is printed too.
2. The coding page, through ``django.test.Client`` (all middleware, logged in), on a SQLite
   database of its own in a temporary folder: the example questionnaire with ``--n``
   completed responses that answered the open question, a codebook of eight codes, a
   quarter of the answers coded. p50 and p95 of ``--repeats`` requests of the first page,
   of the uncoded answers, and of a word search; the target is < 300 ms. Baseline in the
   same run: the fieldwork's page.
3. Personal data: ``openanswers.services.personal_data_scan`` over the ``--n`` answers (one
   in a hundred given a name and a phone number), deduce loaded once before (its load is
   printed apart); then the data read for an export (``fieldwork_export_data``) with the
   answers masked, against the same without masking (the baseline) in the same run.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
QUESTION = "desirability_why"


def _proposal(n: int) -> None:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.metrics import adjusted_rand_score

    from peiling.openanswers.generate import generated_answers
    from peiling.openanswers.themes import propose

    data = generated_answers(n, seed=2)
    texts = [text for text, _theme in data]
    started = time.perf_counter()
    proposal = propose(texts)
    elapsed = time.perf_counter() - started
    started = time.perf_counter()
    TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True).fit_transform(texts)
    baseline = time.perf_counter() - started
    ari = adjusted_rand_score([theme for _text, theme in data], proposal.theme_of)
    print(f"themes proposed for {n:,} answers: {elapsed:.1f} s (target < 15 s: "
          f"{'met' if elapsed < 15 else 'NOT met'}); {proposal.k} themes, ARI {ari:.2f}")
    print(f"  baseline, a plain TF-IDF of the same answers: {baseline:.2f} s "
          f"(ratio {elapsed / baseline:.0f})")
    for theme in proposal.themes:
        print(f"  {len(theme.members):>6,}  {theme.label}")


def _page(n: int, repeats: int) -> None:
    import django

    django.setup()
    import random

    from django.core.management import call_command
    from django.test import Client

    from peiling.accounts.services import organisation_default, user_create
    from peiling.fieldwork import services as fieldwork_services
    from peiling.fieldwork.models import Response
    from peiling.fieldwork.tokens import new_respondent_key
    from peiling.openanswers import selectors, services
    from peiling.openanswers.generate import generated_answers
    from peiling.questionnaires.services import form_version_import

    call_command("migrate", verbosity=0)
    organisation = organisation_default()
    user = user_create(organisation=organisation, role="onderzoeker", password="x" * 20,
                       email="bench@example.nl")
    version = form_version_import(
        source=(ROOT / "examples" / "digitalisering-overheid.xlsx").read_bytes(),
        organisation=organisation).version
    from django.utils import timezone
    now = timezone.now()
    fieldwork = fieldwork_services.fieldwork_create(
        form_version=version, slug="bench-open", name="Bench open antwoorden",
        opens_at=now - timezone.timedelta(days=10), closes_at=now + timezone.timedelta(days=10))
    fieldwork_services.responses_simulate(fieldwork=fieldwork, n=200, seed=1, source="panel")
    models = [r for r in Response.objects.filter(fieldwork=fieldwork) if r.answers.get(QUESTION)]
    answers = generated_answers(n, seed=3)
    copies = []
    for i, (text, _theme) in enumerate(answers):
        model = models[i % len(models)]
        if i % 100 == 7:
            text += " Bel Marieke de Vries, 06-12345678."
        copies.append(Response(
            fieldwork=fieldwork, form_version=version, respondent_key=new_respondent_key(),
            source="panel", status="completed", answers={**model.answers, QUESTION: text},
            language=model.language, device_class=model.device_class,
            started_at=model.started_at, updated_at=model.updated_at,
            completed_at=model.completed_at, version=model.version))
    Response.objects.filter(fieldwork=fieldwork).delete()
    Response.objects.bulk_create(copies, batch_size=2000)
    codebook = services.codebook_create(fieldwork=fieldwork, question=QUESTION)
    codes = [services.code_add(codebook=codebook, label=label) for label in
             ("Gemak", "Ouderen", "Privacy", "Contact", "Kosten", "Systemen")]
    ids = list(selectors.answer_texts(codebook=codebook))
    rng = random.Random(4)
    services.codings_set(codebook=codebook, user=user, codes={
        pk: [rng.choice(codes).pk] for pk in ids[: len(ids) // 4]})
    client = Client()
    client.force_login(user)
    url = f"/veldwerk/{fieldwork.slug}/open-antwoorden/{QUESTION}/"

    def timed(path: str, query: dict) -> list[float]:
        assert client.get(path, query).status_code == 200
        times = []
        for _ in range(repeats):
            started = time.perf_counter()
            assert client.get(path, query).status_code == 200
            times.append(1000 * (time.perf_counter() - started))
        return times

    def p95(values: list[float]) -> float:
        return statistics.quantiles(values, n=20)[-1]

    print(f"coding page, {len(ids):,} answers, {len(ids) // 4:,} coded; "
          f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f}")
    for name, query in (("first page", {}), ("uncoded", {"status": "uncoded"}),
                        ("search 'privacy gegevens'", {"zoek": "privacy gegevens"})):
        times = timed(url, query)
        print(f"  {name}: p50 {statistics.median(times):.0f} ms, p95 {p95(times):.0f} ms "
              f"(target < 300 ms: {'met' if p95(times) < 300 else 'NOT met'})")
    base = timed(f"/veldwerk/{fieldwork.slug}/", {})
    print(f"  baseline, the fieldwork's page: p50 {statistics.median(base):.0f} ms, "
          f"p95 {p95(base):.0f} ms")
    _privacy(fieldwork, len(ids))


def _privacy(fieldwork, n: int) -> None:
    from peiling.exchange.services import fieldwork_export_data
    from peiling.openanswers.models import AnswerScan
    from peiling.openanswers.privacy import prepare
    from peiling.openanswers.services import personal_data_scan

    started = time.perf_counter()
    prepare()
    loaded = time.perf_counter() - started
    AnswerScan.objects.all().delete()
    started = time.perf_counter()
    personal_data_scan(fieldwork=fieldwork)
    scanned = time.perf_counter() - started
    flagged = AnswerScan.objects.exclude(found=[]).count()
    print(f"personal data: deduce loaded in {loaded:.1f} s; {n:,} answers of the open "
          f"questions scanned in {scanned:.1f} s ({1000 * scanned / n:.2f} ms an answer), "
          f"{flagged} with possible personal data")

    def best(masked: bool) -> float:
        times = []
        for _ in range(3):
            started = time.perf_counter()
            fieldwork_export_data(fieldwork=fieldwork, masked=masked)
            times.append(time.perf_counter() - started)
        return min(times)

    plain, masked = best(False), best(True)
    print(f"  export data read, answers masked: {masked:.2f} s; baseline unmasked: "
          f"{plain:.2f} s (ratio {masked / plain:.2f})")


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=20_000)
    parser.add_argument("--repeats", type=int, default=20)
    args = parser.parse_args(argv)
    scratch = Path(tempfile.mkdtemp(prefix="peiling-bench-open-"))
    os.environ.update({"DATABASE_URL": f"sqlite:///{scratch / 'bench.sqlite3'}",
                       "PEILING_VAR_DIR": str(scratch), "PEILING_SECURE": "0", "DEBUG": "0",
                       "ALLOWED_HOSTS": "testserver", "PEILING_TASKS": "immediate",
                       "DJANGO_SETTINGS_MODULE": "peiling.settings"})
    sys.path.insert(0, str(ROOT / "src"))
    _proposal(args.n)
    _page(args.n, args.repeats)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
