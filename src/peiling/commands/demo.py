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
    smtp_port = _demo_mail_environment(args.address)
    setup_django()
    from django.core.management import call_command

    from peiling.forms.errors import FormError
    from peiling.questionnaires.services import form_version_import

    if not args.example.is_file():
        raise CommandError(f"example questionnaire not found: {args.example}")
    call_command("migrate", interactive=False, verbosity=0)
    organisation = _demo_organisation()
    try:
        result = form_version_import(
            source=args.example.read_bytes(), source_name=args.example.name,
            organisation=organisation,
        )
    except FormError as error:
        raise CommandError(f"the example does not import: {error.problems[0]}") from None
    email, password = _demo_researcher(organisation)
    base = f"http://{args.address}"
    open_url, personal_url, preview_url = _demo_fieldwork(result.version)
    print("peiling demo is ready.")
    print(f"  Study:          {base}/onderzoeken/{result.version.questionnaire_id}/")
    print(f"  Open link:      {base}{open_url}")
    print(f"  Personal link:  {base}{personal_url}")
    print(f"  Preview:        {base}{preview_url}  (log in first)")
    print(f"  Report:         {base}{_demo_report()}  (log in first)")
    print(f"  Open answers:   {base}{_demo_coding()}  (log in first)")
    trends, monitor_report = _demo_monitor(organisation)
    print(f"  Monitor trends: {base}{trends}  (three waves; log in first)")
    print(f"  Monitor report: {base}{monitor_report}  (with the chapter Ontwikkeling)")
    for line in _demo_panel(result.version, smtp_port, base, organisation):
        print(line)
    for line in _demo_site(base):
        print(line)
    print("Log in as the demo researcher (onderzoeker of the organisation Demobureau):")
    print(f"login: {base}/account/login/")
    print(f"user: {email}")
    print(f"password: {password}")
    if args.serve:
        call_command("collectstatic", interactive=False, verbosity=0)
        print(f"Serving on {base} — press Ctrl-C to stop.", flush=True)
        call_command("runserver", args.address, use_reloader=False, use_threading=True)
    return 0


DEMO_EMAIL = "onderzoeker@demobureau.nl"


def _demo_organisation():
    from peiling.accounts.models import Organisation

    organisation, _created = Organisation.objects.get_or_create(
        slug="demobureau", defaults={"name": "Demobureau"})
    return organisation


def _demo_researcher(organisation) -> tuple[str, str]:
    """Make (or find) the demo researcher and give it a new password; return both."""
    from django.contrib.auth import get_user_model

    from peiling.accounts.services import user_create

    password = secrets.token_urlsafe(12)
    user = get_user_model().objects.filter(email=DEMO_EMAIL).first()
    if user is None:
        user = user_create(organisation=organisation, email=DEMO_EMAIL, role="onderzoeker",
                           name="Demo Onderzoeker")
    user.set_password(password)
    user.is_active = True
    user.save()
    return DEMO_EMAIL, password


def _demo_fieldwork(version) -> tuple[str, str, str]:
    """Open the demo fieldwork on ``version`` (for 60 days from now) with an open link, and
    make one new personal link; return their paths and the preview's."""
    import datetime as dt

    from django.urls import reverse
    from django.utils import timezone

    from peiling.fieldwork import services
    from peiling.fieldwork.models import Fieldwork, OpenLink

    now = timezone.now()
    fieldwork = Fieldwork.objects.filter(slug="demo").first()
    if fieldwork is None:
        fieldwork = services.fieldwork_create(
            form_version=version, slug="demo", name="Demo: digitalisering van de overheid",
            opens_at=now - dt.timedelta(hours=1), closes_at=now + dt.timedelta(days=60),
            intro={"nl": "Dit is een demonstratie van peiling. Uw antwoorden blijven op deze "
                         "computer.",
                   "en": "This is a demonstration of peiling. Your answers stay on this "
                         "computer."},
            thank_you={"nl": "Hartelijk dank voor het invullen.",
                       "en": "Thank you for filling in the questionnaire."})
    elif fieldwork.closes_at < now + dt.timedelta(days=1):
        Fieldwork.objects.filter(pk=fieldwork.pk).update(closes_at=now + dt.timedelta(days=60))
    link = OpenLink.objects.filter(fieldwork=fieldwork, source="demo").first()
    if link is None:
        link = services.open_link_create(fieldwork=fieldwork, source="demo")
    issued = services.invitation_create(fieldwork=fieldwork, profile={"demo": "ja"})
    return (reverse("fieldwork:open_link", args=[link.key]),
            reverse("fieldwork:invitation", args=[issued.token]),
            reverse("fieldwork:preview", args=[fieldwork.form_version_id]))


def _demo_report() -> str:
    """Give the demo fieldwork simulated responses once (1,093 through the panel and 322
    through an open link, as the reference report had, a few of them for the quality
    review) and return its report page."""
    from django.urls import reverse

    from peiling.fieldwork import services
    from peiling.fieldwork.models import Fieldwork

    fieldwork = Fieldwork.objects.get(slug="demo")
    if not fieldwork.responses.filter(status="completed").exists():
        expected = _expected(fieldwork)
        services.responses_simulate(fieldwork=fieldwork, n=1093, seed=2018, source="panel",
                                    expected=expected)
        services.responses_simulate(fieldwork=fieldwork, n=322, seed=2019, source="nieuwsbrief",
                                    expected=expected)
        _demo_quality_cases(fieldwork)
    _demo_definition(fieldwork)
    return reverse("reports:page", args=[fieldwork.slug])


#: The open question of the demo study that is coded: its codebook from the theme proposal,
#: a sample of the answers coded as suggested.
CODED_QUESTION = "desirability_why"
CODED_SAMPLE = 300


def _demo_coding() -> str:
    """Give the demo's open question a codebook once: the proposed themes taken over, and
    the suggestions of a random sample of answers confirmed (as the demo researcher); return
    its coding page."""
    import random

    from django.contrib.auth import get_user_model
    from django.urls import reverse

    from peiling.fieldwork.models import Fieldwork
    from peiling.openanswers import services
    from peiling.openanswers.models import Codebook

    fieldwork = Fieldwork.objects.get(slug="demo")
    if not Codebook.objects.filter(fieldwork=fieldwork, question=CODED_QUESTION).exists():
        codebook = services.codebook_create(fieldwork=fieldwork, question=CODED_QUESTION)
        proposal = services.proposal_make(codebook=codebook)
        services.proposal_accept(proposal=proposal, choices=[
            (True, theme["label"], None) for theme in proposal.themes])
        answers = sorted(int(pk) for pk in proposal.assignments)
        sample = random.Random(2018).sample(answers, min(CODED_SAMPLE, len(answers)))  # noqa: S311
        user = get_user_model().objects.filter(email=DEMO_EMAIL).first()
        services.suggestions_confirm(codebook=codebook, user=user, responses=sample)
        _demo_coded_quotes(fieldwork)
    services.personal_data_scan(fieldwork=fieldwork)
    return reverse("web:coding", args=["demo", CODED_QUESTION])


def _demo_coded_quotes(fieldwork) -> None:
    """Put quotes by theme of the coded question in the demo report (a second version of
    its definition), as the coding page's button does."""
    from django.contrib.auth import get_user_model

    from peiling.reports.selectors import definition_version
    from peiling.reports.services import definition_save, with_coded_quotes

    current = definition_version(fieldwork=fieldwork)
    text = with_coded_quotes(current.text if current else "", fieldwork.form_version.form,
                             CODED_QUESTION, "Citaten per thema")
    user = get_user_model().objects.filter(email=DEMO_EMAIL).first()
    definition_save(fieldwork.form_version.questionnaire, text.strip(), user)


def _demo_monitor(organisation) -> tuple[str, str]:
    """Make the monitor study of three waves once; return its trends page and the report of
    its last wave."""
    from django.contrib.auth import get_user_model
    from django.urls import reverse

    from peiling.commands.monitor_demo import SLUG, monitor_demo

    user = get_user_model().objects.filter(email=DEMO_EMAIL).first()
    study = monitor_demo(organisation, user)
    return (reverse("web:study_trends", args=[study]),
            reverse("reports:page", args=[SLUG.format(year=2025)]))


def _demo_quality_cases(fieldwork) -> None:
    """Make a few of the open link's respondents what the quality review is for, without
    changing a closed answer (the demo report keeps the reference report's figures): four
    who took two minutes, two on the same device, one who typed nonsense; and one who gave
    their name and phone number in an open answer."""
    import datetime as dt

    from peiling.fieldwork.models import Response

    picked = list(Response.objects.filter(fieldwork=fieldwork, source="nieuwsbrief",
                                          status="completed").order_by("pk")[:40])
    for response in picked[:4]:
        response.started_at = response.completed_at - dt.timedelta(minutes=2)
    for response in picked[4:6]:
        response.device_key = "demo0000000000000000000000000001"
    text = next(r for r in picked[6:] if r.answers.get("desirability_why"))
    text.answers = {**text.answers, "desirability_why": "asdfghjkl"}
    # An answer with a name and a phone number: masked in the report and the exports until
    # the researcher releases it on the coding page.
    named = next(r for r in picked[7:] if r.answers.get("desirability_why"))
    named.answers = {**named.answers, "desirability_why": named.answers["desirability_why"]
                     + " Bel gerust, Marieke de Vries, 06-12345678."}
    Response.objects.bulk_update(picked, ["started_at", "device_key", "answers"])


#: The report definition of the reference report's structure (chapters, banners, headlines).
DEFINITION = EXAMPLE.with_name("rapport.yaml")


def _demo_definition(fieldwork) -> None:
    """Give the demo study the example report definition as its first version (once), so
    that the demo report is built as the reference report is."""
    from peiling.reports.selectors import definition_version
    from peiling.reports.services import definition_save

    if definition_version(fieldwork=fieldwork) is None:
        definition_save(fieldwork.form_version.questionnaire,
                        DEFINITION.read_text(encoding="utf-8").strip(), None)


#: The published figures of the reference report (seed 002: Tabel 3.1, 3.2 and 4.1) as the
#: simulated respondents' expected answers, so that the demo report resembles it.
EXPECTED = EXAMPLE.with_name("verwachte-antwoorden.csv")


def _expected(fieldwork):
    from peiling.commands.simulate import expected_answers

    return expected_answers(EXPECTED, fieldwork.form_version.form)


PANEL_PROFILE = EXAMPLE.with_name("panel-profiel.xlsx")


def _demo_mail_environment(address: str) -> int | None:
    """Unless the environment names a mail server, send the demo's e-mail to a local SMTP
    sink (started by ``_demo_panel``) and run background tasks at once; return its port."""
    import os
    import socket

    os.environ.setdefault("PEILING_TASKS", "immediate")
    os.environ.setdefault("PEILING_BASE_URL", f"http://{address}")
    if os.environ.get("EMAIL_HOST"):
        return None
    for wanted in (8025, 0):  # 8025 if free, else any free port
        with socket.socket() as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the sink binds
            try:
                probe.bind(("127.0.0.1", wanted))
            except OSError:
                continue
            port = probe.getsockname()[1]
            break
    os.environ["EMAIL_HOST"], os.environ["EMAIL_PORT"] = "127.0.0.1", str(port)
    return port


def _demo_panel(version, smtp_port: int | None, base: str, organisation) -> list[str]:
    """Create the demo panel (1,415 members shaped like Tabel 4.1/4.2 of the example report),
    draw a stratified sample for a panel fieldwork, send the invitations into the local mail
    sink, and return what to open."""
    import datetime as dt

    from django.conf import settings
    from django.utils import timezone

    from peiling.fieldwork import services as fieldwork_services
    from peiling.fieldwork.models import Fieldwork
    from peiling.panel import mailing, services
    from peiling.panel.demo import demo_members_csv
    from peiling.panel.models import Panel, PanelInvitation, Sample
    from peiling.panel.samples import SampleDesign, sample_commit, sample_preview
    from peiling.panel.sink import MailSink

    sink = None
    if smtp_port is not None:
        sink = MailSink(port=smtp_port, maildir=settings.VAR_DIR / "demo-mail").start()
    panel = Panel.objects.filter(slug="demo").first() or services.panel_create(
        slug="demo", name="Demopanel", profile_source=PANEL_PROFILE.read_bytes(),
        profile_name=PANEL_PROFILE.name, organisation=organisation)
    report = services.members_import(panel=panel, data=demo_members_csv(seed=2018).encode(),
                                     name="demo-panel.csv")
    now = timezone.now()
    fieldwork = Fieldwork.objects.filter(slug="demo-panel").first()
    if fieldwork is None:
        fieldwork = fieldwork_services.fieldwork_create(
            form_version=version, slug="demo-panel", name="Digitalisering bij de overheid",
            opens_at=now - dt.timedelta(hours=1), closes_at=now + dt.timedelta(days=60))
    elif fieldwork.closes_at < now + dt.timedelta(days=1):
        Fieldwork.objects.filter(pk=fieldwork.pk).update(closes_at=now + dt.timedelta(days=60))
        fieldwork.refresh_from_db()
    mailing.reminder_schedule_set(fieldwork=fieldwork, days=[4, 8])
    if not Sample.objects.filter(fieldwork=fieldwork).exists():
        design = SampleDesign(method="proportional", variables=("org_type",), size=200,
                              seed=2018)
        sample_commit(plan=sample_preview(panel=panel, fieldwork=fieldwork, design=design))
    queued = mailing.invitations_queue(fieldwork=fieldwork)
    if not fieldwork.quotas.exists():
        fieldwork_services.quota_create(fieldwork=fieldwork, name="Gemeenten",
                                        condition="${org_type} = 'gemeente'", target=40)
        fieldwork_services.quota_create(fieldwork=fieldwork, name="Provincies en waterschappen",
                                        condition="${org_type} = 'provincie_waterschap'", target=3)
    if not fieldwork.responses.exists():  # a fieldwork under way: some have answered
        invited = [item.invitation for item in PanelInvitation.objects.filter(
            fieldwork=fieldwork).select_related("invitation").order_by("pk")[:70]]
        fieldwork_services.invitations_simulate(fieldwork=fieldwork, invitations=invited,
                                                seed=2026, expected=_expected(fieldwork))
    lines = [
        f"  Panel:          {base}/panels/demo/  (1415 members: {report.summary})",
        f"  Monitor:        {base}/veldwerk/demo-panel/monitor/",
        f"  Sample:         200 members, stratified on org_type, seed 2018, for fieldwork "
        f"demo-panel; {queued.messages} invitations sent now",
    ]
    if sink is not None:
        lines.append(f"  Mail sink:      smtp://127.0.0.1:{smtp_port}, every message as a file "
                     f"in {settings.VAR_DIR / 'demo-mail' / 'new'}")
        link = _first_link(settings.VAR_DIR / "demo-mail")
        if link:
            lines.append(f"  From the mail:  {link}")
        lines.append(f"  Reminders:      PEILING_TASKS=immediate EMAIL_HOST=127.0.0.1 "
                     f"EMAIL_PORT={smtp_port} peiling invite remind demo-panel --now")
    lines.append("  Response rates: peiling invite rates demo-panel")
    return lines


def _demo_site(base: str) -> list[str]:
    """Open the demo panel's public page for sign-up and publish one article drafted from the
    demo report (once), and return what to open."""
    from peiling.fieldwork.models import Fieldwork
    from peiling.panel import services as panel_services
    from peiling.panel.models import Panel
    from peiling.publications import services
    from peiling.publications.models import Article
    from peiling.reports import selectors as report_selectors

    panel = Panel.objects.get(slug="demo")
    if not panel.signup_open:
        panel_services.panel_public_set(
            panel=panel, signup_open=True,
            description="Het Demopanel volgt hoe ambtenaren denken over digitalisering van de "
                        "overheid. Een paar keer per jaar krijgt u een korte vragenlijst; de "
                        "uitkomsten leest u hier.",
            privacy_statement="Demobureau bewaart uw e-mailadres apart van uw antwoorden en "
                              "gebruikt het alleen om u uit te nodigen. U kunt zich altijd "
                              "afmelden en uw gegevens inzien of laten wissen op uw "
                              "ledenpagina.",
            consent_text="Ik wil lid worden van het Demopanel en af en toe een vragenlijst "
                         "invullen. Mijn antwoorden worden alleen anoniem gebruikt.",
            consent_version="2026-1")
    if not Article.objects.filter(panel=panel).exists():
        fieldwork = Fieldwork.objects.get(slug="demo")
        report = report_selectors.report_for_fieldwork(
            reference=str(fieldwork.pk),
            definition=report_selectors.stored_definition(fieldwork=fieldwork))
        article = services.article_draft(panel=panel, fieldwork=fieldwork, report=report)
        services.article_update(article=article, title=article.title, body=article.body,
                                tags="digitalisering, dienstverlening",
                                new_categories="Digitalisering")
        services.article_publish(article=article)
    return [f"  Panel site:     {base}/panel/demo/artikelen/  (an article from the demo report)",
            f"  Join the panel: {base}/panel/demo/?bron=demo",
            f"  Member page:    {base}/panel/demo/mijn/  (log in by an e-mailed link)"]


def _first_link(maildir: Path) -> str | None:
    """Return the personal link in one of the invitations the sink received."""
    import mailbox
    import re

    for message in mailbox.Maildir(maildir, create=False):
        text = message.get_payload(decode=True).decode("utf-8", "replace")
        found = re.search(r"https?://\S+/s/[A-Za-z0-9_-]{32}/", text)
        if found:
            return found.group(0)
    return None
