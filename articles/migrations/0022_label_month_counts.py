import django.db.models.deletion
from django.db import migrations, models


def count_months(apps, schema_editor):
    """An existing site's months again, each label's now too."""
    from articles.counts import recount_months

    recount_months(apps=apps)


class Migration(migrations.Migration):

    dependencies = [
        ('articles', '0021_feed_month_counts'),
    ]

    operations = [
        migrations.CreateModel(
            name='LabelMonthCount',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('zone', models.CharField(max_length=64)),
                ('starts_at', models.DateTimeField()),
                ('ends_at', models.DateTimeField()),
                ('published', models.IntegerField(default=0)),
                ('updated', models.IntegerField(default=0)),
                ('label', models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='articles.label')),
            ],
            options={
                'verbose_name': 'label month count',
                'constraints': [models.UniqueConstraint(fields=('label', 'zone', 'starts_at'), name='unique_label_month_count')],
            },
        ),
        migrations.RunPython(count_months, migrations.RunPython.noop),
    ]
