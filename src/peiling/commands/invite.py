"""``peiling invite sample|schedule|send|remind|status|release|rates``: from a panel to invitations,
reminders and response rates for one fieldwork."""

from __future__ import annotations

import argparse
import secrets
import sys

from peiling.cli import CommandError, setup_django


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("invite", help="sample panel members, e-mail them, "
                                                  "follow the response")
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)

    sample = actions.add_parser("sample", help="draw a sample (a preview unless --commit)")
    sample.add_argument("fieldwork", metavar="FIELDWORK")
    sample.add_argument("--panel", required=True, metavar="SLUG")
    sample.add_argument("--size", type=int, metavar="N", help="members to draw")
    sample.add_argument("--stratify", default="", metavar="VAR[,VAR]",
                        help="profile variables to stratify on (proportional with --size)")
    sample.add_argument("--target", action="append", default=[], metavar="VALUE[/VALUE]=N",
                        help="members to draw from one stratum, e.g. gemeente/ict=50 "
                             "(repeat per stratum; instead of --size)")
    sample.add_argument("--seed", type=int, help="seed of the draw (default: a new one, shown)")
    sample.add_argument("--commit", action="store_true",
                        help="store the sample and create the invitations")
    sample.set_defaults(func=run_sample)

    schedule = actions.add_parser("schedule", help="set the reminder days of a fieldwork")
    schedule.add_argument("fieldwork", metavar="FIELDWORK")
    schedule.add_argument("--reminders", required=True, metavar="DAYS",
                          help="days after the invitation, e.g. 4,8 (empty: no reminders)")
    schedule.set_defaults(func=run_schedule)

    send = actions.add_parser("send", help="queue the invitations not yet sent")
    send.add_argument("fieldwork", metavar="FIELDWORK")
    send.add_argument("--retry-failed", action="store_true",
                      help="first release e-mails that failed (not bounced) to send them again")
    send.set_defaults(func=run_send)

    remind = actions.add_parser("remind", help="queue the reminders that are due")
    remind.add_argument("fieldwork", metavar="FIELDWORK")
    remind.add_argument("--now", action="store_true",
                        help="send the next reminder now to everyone who has not completed")
    remind.set_defaults(func=run_remind)

    status = actions.add_parser("status", help="e-mails per state")
    status.add_argument("fieldwork", metavar="FIELDWORK")
    status.set_defaults(func=run_status)

    release = actions.add_parser(
        "release", help="release e-mails whose sending nobody confirmed ('onbekend') so that "
                        "the next send sends them; check the mail server's log first")
    release.add_argument("fieldwork", metavar="FIELDWORK")
    release.set_defaults(func=run_release)

    rates = actions.add_parser("rates", help="response and AAPOR outcome rates")
    rates.add_argument("fieldwork", metavar="FIELDWORK")
    rates.add_argument("--by", metavar="VARIABLE",
                       help="group by a profile variable instead of the sample's strata")
    rates.set_defaults(func=run_rates)


def _fieldwork(reference: str):
    from peiling.fieldwork import selectors
    from peiling.fieldwork.models import Fieldwork

    try:
        return selectors.fieldwork_get(reference=reference)
    except Fieldwork.DoesNotExist:
        raise CommandError(f"no fieldwork with slug or id {reference!r}") from None


def _design(args: argparse.Namespace):
    from peiling.panel.samples import SampleDesign

    variables = tuple(name.strip() for name in args.stratify.split(",") if name.strip())
    seed = args.seed if args.seed is not None else secrets.randbelow(2**31)
    if args.target and args.size is not None:
        raise CommandError("give either --size or --target, not both", 2)
    if not args.target and args.size is None:
        raise CommandError("give the sample size with --size, or targets with --target", 2)
    if not args.target:
        method = "proportional" if variables else "simple"
        return SampleDesign(method=method, variables=variables, size=args.size, seed=seed)
    targets = {}
    for text in args.target:
        key, equals, number = text.rpartition("=")
        if not equals or not number.strip().isdigit():
            raise CommandError(f"--target {text!r}: write it as VALUE[/VALUE]=N, "
                               f"e.g. gemeente/ict=50", 2)
        targets[tuple(part.strip() for part in key.split("/"))] = int(number)
    return SampleDesign(method="targets", variables=variables, targets=targets, seed=seed)


def run_sample(args: argparse.Namespace) -> int:
    setup_django()
    from django.utils import translation

    with translation.override("en"):  # the command line speaks English, the web app Dutch
        return _sample(args)


def _sample(args: argparse.Namespace) -> int:
    from peiling.commands.panel import _panel
    from peiling.panel import samples
    from peiling.panel.errors import SampleChanged, SampleError

    fieldwork, panel = _fieldwork(args.fieldwork), _panel(args.panel)
    design = _design(args)
    try:
        plan = samples.sample_preview(panel=panel, fieldwork=fieldwork, design=design)
    except SampleError as error:
        for problem in error.problems:
            print(f"peiling invite: {problem}", file=sys.stderr)
        return 1
    _print_plan(plan)
    if not args.commit:
        print("preview only: add --commit to store this sample and create its invitations")
        return 0
    try:
        sample = samples.sample_commit(plan=plan)
    except SampleChanged as error:
        raise CommandError(str(error)) from None
    print(f"committed sample {sample.pk}: {sample.drawn} invitations for {fieldwork.slug}; "
          f"send them with `peiling invite send {fieldwork.slug}`")
    return 0


def _print_plan(plan) -> None:
    design = plan.design
    on = f" on {', '.join(design.variables)}" if design.variables else ""
    print(f"{design.method} sample{on} from panel {plan.panel.slug} for {plan.fieldwork.slug}, "
          f"seed {design.seed}")
    width = max([len(" / ".join(s.key)) for s in plan.strata] + [len("stratum"), 5])
    print(f"{'stratum':<{width}}  {'eligible':>8}  {'target':>6}  {'achieved':>8}")
    for stratum in plan.strata:
        label = " / ".join(stratum.key) or "all"
        short = f"  short by {stratum.shortfall}" if stratum.shortfall else ""
        print(f"{label:<{width}}  {stratum.eligible:>8}  {stratum.target:>6}  "
              f"{stratum.achieved:>8}{short}")
    eligible = sum(s.eligible for s in plan.strata)
    print(f"{'total':<{width}}  {eligible:>8}  {plan.target:>6}  {plan.drawn:>8}")
    from peiling.panel.samples import exclusion_label

    excluded = "; ".join(f"{n} {exclusion_label(reason, plan.panel)}"
                         for reason, n in plan.excluded.items() if n)
    print(f"excluded: {excluded or 'none'}")


def run_schedule(args: argparse.Namespace) -> int:
    parts = [part.strip() for part in args.reminders.split(",") if part.strip()]
    if not all(part.isdigit() for part in parts):
        raise CommandError(f"--reminders {args.reminders!r}: write whole days, e.g. 4,8", 2)
    setup_django()
    from peiling.panel import mailing
    from peiling.panel.errors import PanelError

    fieldwork = _fieldwork(args.fieldwork)
    try:
        schedule = mailing.reminder_schedule_set(fieldwork=fieldwork,
                                                 days=[int(part) for part in parts])
    except PanelError as error:
        raise CommandError(str(error)) from None
    days = ", ".join(map(str, schedule.days)) or "none"
    print(f"reminders for {fieldwork.slug}: {days} days after the invitation")
    return 0


def run_send(args: argparse.Namespace) -> int:
    setup_django()
    from django.conf import settings

    from peiling.panel import mailing
    from peiling.panel.errors import PanelError

    fieldwork = _fieldwork(args.fieldwork)
    if args.retry_failed:
        print(f"released {mailing.deliveries_retry_failed(fieldwork=fieldwork)} failed e-mails")
    try:
        report = mailing.invitations_queue(fieldwork=fieldwork)
    except PanelError as error:
        raise CommandError(str(error)) from None
    print(f"queued {report.messages} invitations in {report.tasks} tasks")
    for run in report.reminder_runs:
        print(f"reminders scheduled for {run:%Y-%m-%d %H:%M}")
    if settings.PEILING_TASKS == "database" and report.tasks:
        print("a worker sends them: peiling manage worker")
    return 0


def run_remind(args: argparse.Namespace) -> int:
    setup_django()
    from peiling.panel import mailing

    fieldwork = _fieldwork(args.fieldwork)
    mailing.reminders_queue(fieldwork=fieldwork, force=args.now)
    what = ("the next reminder to everyone who has not completed" if args.now
            else "the reminders that are due")
    print(f"queued {what} for {fieldwork.slug}")
    return 0


def run_status(args: argparse.Namespace) -> int:
    setup_django()
    from peiling.panel import selectors

    fieldwork = _fieldwork(args.fieldwork)
    summary = selectors.deliveries_summary(fieldwork=fieldwork)
    unsent = len(selectors.invitations_unsent(fieldwork=fieldwork))
    print(f"{fieldwork.slug}: {unsent} invitations not yet sent")
    for (number, state), count in sorted(summary.items()):
        kind = "invitation" if number == 0 else f"reminder {number}"
        label = "onbekend (unknown)" if state == selectors.UNKNOWN else state
        print(f"  {kind}: {label} {count}")
    if any(state == selectors.UNKNOWN for _number, state in summary):
        print("  onbekend: a worker stopped between handing these e-mails to the mail server "
              "and recording it; they may or may not have gone out. Check the mail server's "
              f"log, then 'peiling invite release {fieldwork.slug}' to send them again.")
    return 0


def run_release(args: argparse.Namespace) -> int:
    setup_django()
    from peiling.panel.mailing import deliveries_release_unknown

    fieldwork = _fieldwork(args.fieldwork)
    released = deliveries_release_unknown(fieldwork=fieldwork)
    print(f"{fieldwork.slug}: {released} unconfirmed e-mails released; "
          f"'peiling invite send {fieldwork.slug}' sends them")
    return 0


COLUMNS = ("invited", "delivered", "bounced", "started", "completed", "screened_out",
           "unsubscribed")
RATES = ("rr1", "rr2", "coop1", "ref1", "con1")


def run_rates(args: argparse.Namespace) -> int:
    setup_django()
    from peiling.panel import selectors
    from peiling.panel.rates import Outcomes, outcome_rates

    fieldwork = _fieldwork(args.fieldwork)
    groups = selectors.fieldwork_outcomes(fieldwork=fieldwork, by=args.by)
    total = sum(groups.values(), Outcomes())
    rows = [*((key or "all", value) for key, value in groups.items())]
    if len(rows) > 1:
        rows.append(("total", total))
    width = max([len(label) for label, _ in rows] + [len("stratum")])
    print(f"{'stratum':<{width}}  " + "  ".join(f"{c:>12}" for c in COLUMNS) + "  "
          + "  ".join(f"{r.upper():>6}" for r in RATES))
    for label, outcomes in rows:
        rates = outcome_rates(outcomes)
        print(f"{label:<{width}}  "
              + "  ".join(f"{getattr(outcomes, c):>12}" for c in COLUMNS) + "  "
              + "  ".join(f"{_percent(getattr(rates, r)):>6}" for r in RATES))
    if not groups:
        print("no panel invitations for this fieldwork")
    open_links = selectors.open_link_counts(fieldwork=fieldwork)
    if open_links:
        print("open links (not in the rates):")
        for source, counts in open_links.items():
            listed = ", ".join(f"{status} {n}" for status, n in sorted(counts.items()))
            print(f"  {source}: {listed}")
    return 0


def _percent(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:.1f}%"
