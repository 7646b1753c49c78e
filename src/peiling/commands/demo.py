"""``peiling demo``: prepare the demo database with the example questionnaire, then serve it."""

from __future__ import annotations

import argparse
import secrets
from pathlib import Path

from peiling.cli import CommandError, setup_django

EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "digitalisering-overheid.xlsx"


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("demo", help="load the example and (with --serve) run it")
    parser.add_argument("--serve", action="store_true", help="serve on --address afterwards")
    parser.add_argument("--address", default="127.0.0.1:8000")
    parser.add_argument("--example", type=Path, default=EXAMPLE, metavar="FILE.xlsx")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    setup_django()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    from peiling.forms.errors import FormError
    from peiling.questionnaires.services import form_version_import

    if not args.example.is_file():
        raise CommandError(f"example questionnaire not found: {args.example}")
    call_command("migrate", interactive=False, verbosity=0)
    try:
        result = form_version_import(
            source=args.example.read_bytes(), source_name=args.example.name
        )
    except FormError as error:
        raise CommandError(f"the example does not import: {error.problems[0]}") from None
    password = secrets.token_urlsafe(12)
    user, _ = get_user_model().objects.get_or_create(
        username="demo", defaults={"is_staff": True, "is_superuser": True}
    )
    user.set_password(password)
    user.save()
    base = f"http://{args.address}"
    print("peiling demo is ready.")
    print(f"  Questionnaire:  {base}/vragenlijsten/versie/{result.version.pk}/")
    print(f"  Admin:          {base}/admin/")
    print(f"  Log in as:      demo / {password}")
    if args.serve:
        call_command("collectstatic", interactive=False, verbosity=0)
        print(f"Serving on {base} — press Ctrl-C to stop.", flush=True)
        call_command("runserver", args.address, use_reloader=False, use_threading=True)
    return 0
