import django.db.models.deletion
from django.db import migrations, models


def count_months(apps, schema_editor):
    """An existing site's months again, each pair's now too."""
    from articles.counts import recount_months

    recount_months(apps=apps)


class Migration(migrations.Migration):

    dependencies = [
        ('articles', '0022_label_month_counts'),
    ]

    operations = [
        migrations.CreateModel(
            name='LabelPairMonthCount',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('zone', models.CharField(max_length=64)),
                ('starts_at', models.DateTimeField()),
                ('ends_at', models.DateTimeField()),
                ('published', models.IntegerField(default=0)),
                ('updated', models.IntegerField(default=0)),
                ('first', models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='articles.label')),
                ('second', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='articles.label')),
            ],
            options={
                'verbose_name': 'label pair month count',
                'constraints': [models.UniqueConstraint(fields=('first', 'second', 'zone', 'starts_at'), name='unique_label_pair_month_count'), models.CheckConstraint(condition=models.Q(('first__lt', models.F('second'))), name='label_pair_month_count_in_order')],
            },
        ),
        migrations.RunPython(count_months, migrations.RunPython.noop),
    ]
