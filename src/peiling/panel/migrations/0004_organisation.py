# Organisations own questionnaires and panels (issue 18); what exists goes to one.

import django.db.models.deletion
from django.db import migrations, models


def _default_organisation(apps):
    """The organisation that everything made before organisations existed goes to."""
    organisation_model = apps.get_model("accounts", "Organisation")
    organisation, _created = organisation_model.objects.get_or_create(
        slug="standaard", defaults={"name": "Standaardorganisatie"}
    )
    return organisation


def assign(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        # Checked now, not at commit: the column's ALTER below may not find pending checks.
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    model = apps.get_model("panel", "Panel")
    if model.objects.filter(organisation__isnull=True).exists():
        model.objects.filter(organisation__isnull=True).update(
            organisation=_default_organisation(apps)
        )


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_organisation"),
        ("panel", "0003_revoke_erased_links"),
    ]

    operations = [
        migrations.AddField(
            model_name="panel",
            name="organisation",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="panels",
                to="accounts.organisation",
                verbose_name="organisation",
            ),
        ),
        migrations.RunPython(assign, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="panel",
            name="organisation",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="panels",
                to="accounts.organisation",
                verbose_name="organisation",
            ),
        ),
    ]
