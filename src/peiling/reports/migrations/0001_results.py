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
        migrations.CreateModel(
            name="TabBook",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True,
                                           serialize=False, verbose_name="ID")),
                ("name", models.CharField(max_length=100, verbose_name="name")),
                ("questions", models.JSONField(blank=True, default=list,
                                               verbose_name="questions")),
                ("banners", models.JSONField(blank=True, default=list, verbose_name="banners")),
                ("filter", models.CharField(blank=True, max_length=500, verbose_name="filter")),
                ("weighted", models.BooleanField(default=False, verbose_name="weighted")),
                ("updated_at", models.DateTimeField(auto_now=True, verbose_name="changed")),
                ("questionnaire", models.ForeignKey(
                    on_delete=django.db.models.deletion.CASCADE, related_name="tab_books",
                    to="questionnaires.questionnaire", verbose_name="study")),
                ("updated_by", models.ForeignKey(
                    blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL,
                    related_name="+", to=settings.AUTH_USER_MODEL, verbose_name="changed by")),
            ],
            options={
                "verbose_name": "tab book",
                "verbose_name_plural": "tab books",
                "ordering": ["name"],
                "constraints": [models.UniqueConstraint(fields=("questionnaire", "name"),
                                                        name="tab_book_name_unique")],
            },
        ),
    ]
