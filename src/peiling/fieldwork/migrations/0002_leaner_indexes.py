"""Leaner indexes on the tables every respondent request writes, and room to update in place.

- The unique keys become constraints: ``unique=True`` on a CharField also makes Django create
  a ``varchar_pattern_ops`` index on PostgreSQL, for prefix searches no query makes.
- ``source`` loses its index and ``fieldwork`` its own one: no query filters on the source
  alone, and ``response_fieldwork_status`` starts with the fieldwork.
- On PostgreSQL the response table keeps free space in each page (``fillfactor``): a page
  submit rewrites its response, and an update that fits the page is a HOT update, which
  touches no index at all.

The constraints are added before the old unique indexes go, so the keys stay unique.
"""

import django.db.models.deletion
from django.db import migrations, models

#: Percent of a response table page that inserts fill (docs/benchmarks.md, fieldwork).
RESPONSE_FILLFACTOR = 50


def set_fillfactor(apps, schema_editor, percent=RESPONSE_FILLFACTOR):
    if schema_editor.connection.vendor != "postgresql":
        return
    table = schema_editor.quote_name(apps.get_model("fieldwork", "Response")._meta.db_table)
    schema_editor.execute(f"ALTER TABLE {table} SET (fillfactor = {int(percent)})")


def reset_fillfactor(apps, schema_editor):
    set_fillfactor(apps, schema_editor, percent=100)


class Migration(migrations.Migration):

    dependencies = [
        ("fieldwork", "0001_initial"),
        ("questionnaires", "0001_initial"),
    ]

    operations = [
        migrations.AddConstraint(
            model_name="invitation",
            constraint=models.UniqueConstraint(fields=("token_hash",),
                                               name="invitation_token_hash_unique"),
        ),
        migrations.AddConstraint(
            model_name="response",
            constraint=models.UniqueConstraint(fields=("respondent_key",),
                                               name="response_respondent_key_unique"),
        ),
        migrations.AlterField(
            model_name="invitation",
            name="token_hash",
            field=models.CharField(editable=False, max_length=64, verbose_name="token hash"),
        ),
        migrations.AlterField(
            model_name="response",
            name="fieldwork",
            field=models.ForeignKey(db_index=False,
                                    on_delete=django.db.models.deletion.PROTECT,
                                    related_name="responses", to="fieldwork.fieldwork",
                                    verbose_name="fieldwork period"),
        ),
        migrations.AlterField(
            model_name="response",
            name="respondent_key",
            field=models.CharField(editable=False, max_length=32, verbose_name="respondent key"),
        ),
        migrations.AlterField(
            model_name="response",
            name="source",
            field=models.CharField(max_length=50, verbose_name="source"),
        ),
        migrations.RunPython(set_fillfactor, reset_fillfactor, elidable=False),
    ]
