import django.db.models.functions.comparison
from django.conf import settings
from django.db import migrations, models


def count_months(apps, schema_editor):
    """An existing site's months again, now by feed time too."""
    from articles.counts import recount_months

    recount_months(apps=apps)


class Migration(migrations.Migration):

    dependencies = [
        ('articles', '0020_label_pair_counts'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='monthcount',
            name='updated',
            field=models.IntegerField(default=0),
        ),
        migrations.AddIndex(
            model_name='post',
            index=models.Index(django.db.models.functions.comparison.Greatest('updated_at', 'published_at'), name='post_feed_updated_idx'),
        ),
        migrations.RunPython(count_months, migrations.RunPython.noop),
    ]
