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
    model = apps.get_model("questionnaires", "Questionnaire")
    if model.objects.filter(organisation__isnull=True).exists():
        model.objects.filter(organisation__isnull=True).update(
            organisation=_default_organisation(apps)
        )
    # The users who worked here before: superusers administer, other staff research.
    user_model = apps.get_model("auth", "User")
    membership_model = apps.get_model("accounts", "Membership")
    users = user_model.objects.filter(is_staff=True, is_active=True, membership__isnull=True)
    if users.exists():
        organisation = _default_organisation(apps)
        membership_model.objects.bulk_create(
            membership_model(
                user=user,
                organisation=organisation,
                role="beheerder" if user.is_superuser else "onderzoeker",
            )
            for user in users
        )


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_organisation"),
        ("questionnaires", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [
        migrations.AddField(
            model_name="questionnaire",
            name="organisation",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="questionnaires",
                to="accounts.organisation",
                verbose_name="organisation",
            ),
        ),
        migrations.RunPython(assign, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="questionnaire",
            name="organisation",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="questionnaires",
                to="accounts.organisation",
                verbose_name="organisation",
            ),
        ),
        migrations.AlterField(
            model_name="questionnaire",
            name="form_id",
            field=models.SlugField(max_length=100, verbose_name="form id"),
        ),
        migrations.AddConstraint(
            model_name="questionnaire",
            constraint=models.UniqueConstraint(
                fields=("organisation", "form_id"), name="questionnaire_form_id_unique"
            ),
        ),
    ]
