import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0011_number_posts_and_pages"),
    ]

    operations = [
        migrations.AlterField(
            model_name="page",
            name="public",
            field=models.OneToOneField(
                editable=False,
                help_text=(
                    "The number in /feeds/ID/comments/default, shared by posts "
                    "and pages: Blogger's for an imported page."
                ),
                on_delete=django.db.models.deletion.PROTECT,
                related_name="page",
                to="articles.contentid",
                to_field="page_number",
                verbose_name="public id",
            ),
        ),
        migrations.AlterField(
            model_name="post",
            name="public",
            field=models.OneToOneField(
                editable=False,
                help_text=(
                    "The number in feed ids and /feeds/ID/comments/default, "
                    "shared by posts and pages: Blogger's for an imported post."
                ),
                on_delete=django.db.models.deletion.PROTECT,
                related_name="post",
                to="articles.contentid",
                to_field="post_number",
                verbose_name="public id",
            ),
        ),
    ]
