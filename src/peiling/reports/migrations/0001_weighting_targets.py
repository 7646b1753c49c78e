import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ("questionnaires", "0002_organisation"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="WeightingTargets",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True,
                                           serialize=False, verbose_name="ID")),
                ("targets", models.JSONField(blank=True, default=dict, verbose_name="targets")),
                ("updated_at", models.DateTimeField(auto_now=True, verbose_name="changed")),
                ("questionnaire", models.OneToOneField(
                    on_delete=django.db.models.deletion.CASCADE,
                    related_name="weighting_targets", to="questionnaires.questionnaire",
                    verbose_name="study")),
                ("updated_by", models.ForeignKey(
                    blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL,
                    related_name="+", to=settings.AUTH_USER_MODEL, verbose_name="changed by")),
            ],
            options={
                "verbose_name": "weighting targets",
                "verbose_name_plural": "weighting targets",
            },
        ),
    ]
