"""The index on Delivery.redelivery_of holds only the rows that are redeliveries.

Dropping the foreign key's plain index is done by hand: on SQLite Django's AlterField would
rebuild the whole deliveries table (a copy of every body) to drop one index.
"""

import django.db.models.deletion
from django.db import migrations, models


def plain_indexes(schema_editor, table: str, column: str) -> list[str]:
    with schema_editor.connection.cursor() as cursor:
        constraints = schema_editor.connection.introspection.get_constraints(cursor, table)
    return [
        name
        for name, about in constraints.items()
        if about["index"]
        and about["columns"] == [column]
        and not about["primary_key"]
        and not about["unique"]
    ]


def drop_plain_index(apps, schema_editor):
    delivery = apps.get_model("hooks", "Delivery")
    for name in plain_indexes(schema_editor, delivery._meta.db_table, "redelivery_of_id"):
        schema_editor.execute(schema_editor._delete_index_sql(delivery, name))


def create_plain_index(apps, schema_editor):
    delivery = apps.get_model("hooks", "Delivery")
    field = delivery._meta.get_field("redelivery_of")
    schema_editor.execute(schema_editor._create_index_sql(delivery, fields=[field]))


class Migration(migrations.Migration):
    dependencies = [
        ("hooks", "0008_names"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="delivery",
                    name="redelivery_of",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="redeliveries",
                        to="hooks.delivery",
                    ),
                ),
            ],
            database_operations=[migrations.RunPython(drop_plain_index, create_plain_index)],
        ),
        migrations.AddIndex(
            model_name="delivery",
            index=models.Index(
                condition=models.Q(("redelivery_of__isnull", False)),
                fields=["redelivery_of"],
                name="delivery_redelivery_of_idx",
            ),
        ),
    ]
