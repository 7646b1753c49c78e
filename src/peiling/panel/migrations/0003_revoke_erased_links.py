"""Revoke the personal links of members erased before erasure did so itself.

Erasure used to cut the member from an invitation but leave the link working: it resumed the
response, or started one with the erased member's profile snapshot. The links of every
invitation whose member is gone now get a stored hash no token matches, and lose the snapshot
(as ``fieldwork.services.invitations_revoke`` does for every erasure since).
"""

import secrets

from django.db import migrations

REVOKED_PREFIX = "revoked:"  # as fieldwork.services.REVOKED_PREFIX


def revoke_links_of_erased_members(apps, schema_editor):
    panel_invitation = apps.get_model("panel", "PanelInvitation")
    invitation = apps.get_model("fieldwork", "Invitation")
    ids = panel_invitation.objects.filter(member__isnull=True).values_list("invitation_id",
                                                                           flat=True)
    links = list(invitation.objects.filter(pk__in=list(ids)).exclude(
        token_hash__startswith=REVOKED_PREFIX))
    for link in links:
        link.token_hash = REVOKED_PREFIX + secrets.token_hex(24)
        link.profile = {}
    invitation.objects.bulk_update(links, ["token_hash", "profile"], batch_size=1000)


class Migration(migrations.Migration):
    dependencies = [
        ("fieldwork", "0003_permissions"),
        ("panel", "0002_permissions"),
    ]

    operations = [
        migrations.RunPython(revoke_links_of_erased_members, migrations.RunPython.noop),
    ]
