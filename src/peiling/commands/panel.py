"""``peiling panel create|import|generate|show|export|erase|bounce|retention``: panels and
their members from the command line."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from peiling.cli import CommandError, setup_django


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("panel", help="create panels, import and look after members")
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)

    create = actions.add_parser("create", help="create a panel with a profile XLSForm")
    create.add_argument("slug", metavar="SLUG")
    create.add_argument("--profile", type=Path, required=True, metavar="PROFILE.xlsx")
    create.add_argument("--name", default="", help="the panel's name (default: SLUG)")
    create.add_argument("--max-per-30-days", type=int, default=2, metavar="N",
                        help="invitations per member per 30 days at most (default 2)")
    create.add_argument("--min-days", type=int, default=7, metavar="M",
                        help="days between two invitations of a member at least (default 7)")
    create.set_defaults(func=run_create)

    load = actions.add_parser("import", help="create and update members from CSV or XLSX")
    load.add_argument("slug", metavar="SLUG")
    load.add_argument("file", type=Path, metavar="FILE.csv|FILE.xlsx")
    load.add_argument("--dry-run", action="store_true",
                      help="report what would be created, updated or refused; store nothing")
    load.add_argument("--consent", default="", metavar="VERSION",
                      help="record panel consent under this text version for new members")
    load.set_defaults(func=run_import)

    generate = actions.add_parser(
        "generate", help="write the demo panel's members (Tabel 4.1/4.2 of the example report)")
    generate.add_argument("file", type=Path, metavar="FILE.csv")
    generate.add_argument("--seed", type=int, default=2018)
    generate.set_defaults(func=run_generate)

    show = actions.add_parser("show", help="show a member: profile and participation")
    show.add_argument("slug", metavar="SLUG")
    show.add_argument("email", metavar="EMAIL")
    show.set_defaults(func=run_show)

    export = actions.add_parser("export", help="everything held on one member, as JSON")
    export.add_argument("slug", metavar="SLUG")
    export.add_argument("email", metavar="EMAIL")
    export.add_argument("-o", "--output", type=Path, metavar="FILE.json",
                        help="write to FILE (default: standard output)")
    export.set_defaults(func=run_export)

    erase = actions.add_parser("erase", help="erase a member (answers stay, anonymous)")
    erase.add_argument("slug", metavar="SLUG")
    erase.add_argument("email", metavar="EMAIL")
    erase.set_defaults(func=run_erase)

    bounce = actions.add_parser("bounce", help="record bounced addresses")
    bounce.add_argument("slug", metavar="SLUG")
    bounce.add_argument("emails", nargs="*", metavar="EMAIL")
    bounce.add_argument("--file", type=Path, metavar="FILE.txt",
                        help="read addresses from FILE, one per line")
    bounce.set_defaults(func=run_bounce)

    retention = actions.add_parser(
        "retention", help="erase members unsubscribed or bounced longer than the retention")
    retention.add_argument("--schedule", action="store_true",
                           help="queue the retention task to run now and then daily")
    retention.set_defaults(func=run_retention)


def _panel(slug: str):
    from peiling.panel import selectors
    from peiling.panel.models import Panel

    try:
        return selectors.panel_get(slug=slug)
    except Panel.DoesNotExist:
        slugs = selectors.panel_slugs()
        known = (f"panels: {', '.join(slugs)}" if slugs
                 else "there are no panels yet; create one with `peiling panel create`")
        raise CommandError(f"no panel with slug {slug!r} ({known})") from None


def _member(panel, email: str):
    from peiling.panel import selectors
    from peiling.panel.emails import email_normalise
    from peiling.panel.models import Member

    try:
        return selectors.member_get(panel=panel, email=email_normalise(email))
    except ValueError as error:
        raise CommandError(str(error)) from None
    except Member.DoesNotExist:
        raise CommandError(f"panel {panel.slug!r} has no member {email!r}") from None


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as error:
        raise CommandError(f"cannot read {path}: {error.strerror}") from None


def run_create(args: argparse.Namespace) -> int:
    source = _read(args.profile)
    setup_django()
    from peiling.forms.errors import FormError
    from peiling.panel import selectors, services
    from peiling.panel.errors import PanelError

    try:
        panel = services.panel_create(
            slug=args.slug, profile_source=source, profile_name=args.profile.name,
            name=args.name, max_invitations_per_30_days=args.max_per_30_days,
            min_days_between_invitations=args.min_days)
    except FormError as error:
        for problem in error.problems:
            print(f"{args.profile.name}: {problem}", file=sys.stderr)
        return 1
    except PanelError as error:
        for problem in error.problems:
            print(f"peiling panel: {problem}", file=sys.stderr)
        return 1
    names = ", ".join(v.name for v in selectors.panel_variables(panel=panel))
    print(f"created panel {panel.slug!r} ({panel.name}); profile variables: {names}")
    return 0


def run_import(args: argparse.Namespace) -> int:
    data = _read(args.file)
    setup_django()
    from peiling.panel import services
    from peiling.panel.errors import MemberFileError

    panel = _panel(args.slug)
    try:
        report = services.members_import(panel=panel, data=data, name=args.file.name,
                                         dry_run=args.dry_run, consent_version=args.consent)
    except MemberFileError as error:
        for problem in error.problems:
            print(f"peiling panel: {problem}", file=sys.stderr)
        return 1
    print(report.summary)
    for outcome in report.rows:
        if outcome.action == "refused":
            print(f"row {outcome.row}: {outcome.reason}")
        elif args.dry_run and outcome.action == "created":
            print(f"row {outcome.row}: would create")
        elif args.dry_run and outcome.action == "updated":
            print(f"row {outcome.row}: would update {', '.join(outcome.changed)}")
    if args.dry_run:
        print("dry run: nothing was stored", file=sys.stderr)
    return 1 if report.refused else 0


def run_generate(args: argparse.Namespace) -> int:
    from peiling.panel.demo import demo_members_csv

    try:
        args.file.write_text(demo_members_csv(seed=args.seed), encoding="utf-8")
    except OSError as error:
        raise CommandError(f"cannot write {args.file}: {error.strerror}") from None
    print(f"wrote {args.file}: 1415 demo members (seed {args.seed})")
    return 0


def run_show(args: argparse.Namespace) -> int:
    setup_django()
    from peiling.panel import selectors

    member = _member(_panel(args.slug), args.email)
    print(f"{member.email}  {member.name}  [{member.status} since "
          f"{member.status_changed_at:%Y-%m-%d}]  recruited {member.recruited_on} "
          f"({member.recruitment_source or '-'})")
    for name, value in member.profile.items():
        print(f"  {name} = {value}  (updated {member.profile_updated.get(name, '-')})")
    history = selectors.member_participation(member=member)
    for item in history:
        reminded = ", ".join(f"{at:%Y-%m-%d}" for at in item.reminded_at) or "-"
        print(f"  {item.fieldwork}: invited {_day(item.invited_at)}, reminded {reminded}, "
              f"started {_day(item.started_at)}, completed {_day(item.completed_at)}: "
              f"{item.status}")
    if not history:
        print("  never invited")
    return 0


def _day(value) -> str:
    return f"{value:%Y-%m-%d}" if value else "-"


def run_export(args: argparse.Namespace) -> int:
    setup_django()
    from django.core.serializers.json import DjangoJSONEncoder

    from peiling.panel import selectors

    panel = _panel(args.slug)
    member = _member(panel, args.email)
    text = json.dumps(selectors.member_export(member=member), cls=DjangoJSONEncoder, indent=2,
                      ensure_ascii=False)
    _audit("member.exported", member.pk, panel)
    if args.output is None:
        print(text)
        return 0
    try:
        args.output.write_text(text + "\n", encoding="utf-8")
    except OSError as error:
        raise CommandError(f"cannot write {args.output}: {error.strerror}") from None
    print(f"wrote {args.output}")
    return 0


def _audit(action: str, member_id: int, panel) -> None:
    """Log the access in the audit log: the command line's user is the account running it."""
    import getpass

    from peiling.accounts.services import audit_record

    audit_record(user=f"{getpass.getuser()} (command line)", action=action,
                 target_type="member", target_id=member_id, organisation=panel.organisation,
                 detail=panel.slug, channel="command")


def run_erase(args: argparse.Namespace) -> int:
    setup_django()
    from peiling.panel import services

    panel = _panel(args.slug)
    member = _member(panel, args.email)
    record = services.member_erase(member=member)
    _audit("member.erased", member.pk, panel)
    print(f"erased {args.email}: {record.invitations_unlinked} invitations unlinked, "
          f"{record.consents_deleted} consent records deleted; the answers stay, anonymous")
    return 0


def run_bounce(args: argparse.Namespace) -> int:
    emails = list(args.emails)
    if args.file is not None:
        emails += [line.strip() for line in _read(args.file).decode("utf-8", "replace")
                   .splitlines() if line.strip()]
    if not emails:
        raise CommandError("name the bounced addresses, or a file of them with --file", 2)
    setup_django()
    from peiling.panel import services

    report = services.members_bounce(panel=_panel(args.slug), emails=emails)
    print(f"bounced {len(report.recorded)}, unknown {len(report.unknown)}")
    for email in report.unknown:
        print(f"unknown: {email}")
    return 1 if report.unknown else 0


def run_retention(args: argparse.Namespace) -> int:
    setup_django()
    from django.conf import settings

    if args.schedule:
        from peiling.panel.tasks import erase_expired_members

        erase_expired_members.enqueue(True)
        print("queued the retention task; it runs now and then once a day")
        return 0
    from peiling.panel import services

    erased = services.members_erase_expired()
    print(f"erased {erased} members unsubscribed or bounced more than "
          f"{settings.PEILING_RETENTION_DAYS} days ago")
    return 0
