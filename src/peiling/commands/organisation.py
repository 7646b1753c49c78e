"""``peiling organisation create|list`` and ``peiling organisation user``: the first
organisation and its first beheerder, before anyone can log in to add the rest."""

from __future__ import annotations

import argparse
import getpass

from peiling.cli import CommandError, setup_django

ROLES = ("beheerder", "onderzoeker", "analist")


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("organisation",
                                   help="create organisations and their users (the first "
                                        "beheerder; the rest are added in the browser)")
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    create = actions.add_parser("create", help="create an organisation")
    create.add_argument("name")
    create.add_argument("--slug", default="", help="short name (default: from the name)")
    create.set_defaults(func=run_create)
    listing = actions.add_parser("list", help="list the organisations and their users")
    listing.set_defaults(func=run_list)
    user = actions.add_parser("user", help="add a user to an organisation")
    user.add_argument("organisation", metavar="SLUG")
    user.add_argument("email")
    user.add_argument("--role", choices=ROLES, default="beheerder")
    user.add_argument("--name", default="")
    user.add_argument("--password-from-prompt", action="store_true",
                      help="ask for the password (else the user sets one by e-mail: "
                           "'Forgot your password?' on the log-in page)")
    user.set_defaults(func=run_user)


def run_create(args: argparse.Namespace) -> int:
    setup_django()
    from peiling.accounts.services import OrganisationError, organisation_create

    try:
        organisation = organisation_create(name=args.name, slug=args.slug)
    except OrganisationError as error:
        raise CommandError(str(error)) from None
    print(f"created organisation {organisation.slug} ({organisation.name})")
    return 0


def run_list(args: argparse.Namespace) -> int:
    setup_django()
    from peiling.accounts.models import Organisation

    for organisation in Organisation.objects.prefetch_related("memberships__user"):
        print(f"{organisation.slug}\t{organisation.name}")
        for membership in organisation.memberships.all():
            active = "" if membership.user.is_active else " (switched off)"
            print(f"  {membership.user.email}\t{membership.role}{active}")
    return 0


def run_user(args: argparse.Namespace) -> int:
    setup_django()
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError

    from peiling.accounts.services import OrganisationError, organisation_get, user_create

    try:
        organisation = organisation_get(slug=args.organisation)
    except OrganisationError as error:
        raise CommandError(str(error)) from None
    password = None
    if args.password_from_prompt:
        password = getpass.getpass("password: ")
        try:
            validate_password(password)
        except ValidationError as error:
            raise CommandError("password: " + " ".join(error.messages)) from None
    try:
        user = user_create(organisation=organisation, email=args.email, role=args.role,
                           password=password, name=args.name)
    except OrganisationError as error:
        raise CommandError(str(error)) from None
    print(f"added {user.email} to {organisation.slug} as {args.role}"
          + ("" if password else "; they set a password with 'Forgot your password?'"))
    return 0
