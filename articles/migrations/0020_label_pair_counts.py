import django.db.models.deletion
from django.db import migrations, models


def count_pairs(apps, schema_editor):
    """The pairs of an existing site, in one GROUP BY query."""
    from articles.counts import recount_together

    recount_together(apps)


class Migration(migrations.Migration):

    dependencies = [
        ('articles', '0019_search_published_index'),
    ]

    operations = [
        migrations.CreateModel(
            name='LabelPairCount',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('published', models.IntegerField(default=0)),
                ('first', models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='articles.label')),
                ('second', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='articles.label')),
            ],
            options={
                'verbose_name': 'label pair count',
                'constraints': [
                    models.UniqueConstraint(fields=('first', 'second'), name='unique_label_pair_count'),
                    models.CheckConstraint(condition=models.Q(('first__lt', models.F('second'))), name='label_pair_count_in_order'),
                ],
            },
        ),
        migrations.RunPython(count_pairs, migrations.RunPython.noop),
    ]
