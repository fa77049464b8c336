# The actor's events by time: replaces the plain index of Event.actor_id (db_index) with
# (actor_id, published, id). The field's db_index is dropped in the state only, and its index
# by name: an AlterField would make SQLite copy the whole event table.

from django.db import migrations, models


def _plain_actor_indexes(schema_editor, model):
    with schema_editor.connection.cursor() as cursor:
        constraints = schema_editor.connection.introspection.get_constraints(
            cursor, model._meta.db_table
        )
    return [
        name
        for name, info in constraints.items()
        if info["index"] and not info["unique"] and not info["primary_key"]
        and info["columns"] == ["actor_id"]
    ]


def drop_plain_actor_index(apps, schema_editor):
    model = apps.get_model("hooks", "Event")
    for name in _plain_actor_indexes(schema_editor, model):  # PostgreSQL also has a _like one
        schema_editor.execute(schema_editor._delete_index_sql(model, name))


def restore_plain_actor_index(apps, schema_editor):
    model = apps.get_model("hooks", "Event")
    if not _plain_actor_indexes(schema_editor, model):
        field = model._meta.get_field("actor_id")
        schema_editor.execute(schema_editor._create_index_sql(model, fields=[field]))


class Migration(migrations.Migration):

    dependencies = [
        ('hooks', '0005_event_type_time_index'),
    ]

    operations = [
        # The new index first: queries by actor are never without one.
        migrations.AddIndex(
            model_name='event',
            index=models.Index(fields=['actor_id', 'published', 'id'], name='event_actor_time_idx'),
        ),
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name='event',
                    name='actor_id',
                    field=models.CharField(blank=True, max_length=255),
                ),
            ],
            database_operations=[
                migrations.RunPython(drop_plain_actor_index, restore_plain_actor_index),
            ],
        ),
    ]
