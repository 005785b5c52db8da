"""The admin's rich-text editor (django-prose-editor) for post and page bodies."""

from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _
from django_prose_editor.fields import ProseEditorFormField
from django_prose_editor.widgets import AdminProseEditorWidget

# What editors can make; the model's save() still sanitises whatever arrives.
EXTENSIONS = {
    "Heading": {"levels": [2, 3, 4]},
    "Bold": True,
    "Italic": True,
    "Strike": True,
    "Subscript": True,
    "Superscript": True,
    "Link": {"enableTarget": True, "protocols": ["http", "https", "mailto", "tel"]},
    "BulletList": True,
    "OrderedList": True,
    "ListItem": True,
    "Blockquote": True,
    "Code": True,
    "CodeBlock": True,
    "HorizontalRule": True,
    "HardBreak": True,
    "Figure": {"pickerUrl": reverse_lazy("admin:articles_post_image_picker")},
    "Caption": True,
    "Image": True,
    "Table": True,
    "TableRow": True,
    "TableHeader": True,
    "TableCell": True,
    "HTML": True,
}
# Size of library images placed in a body (Blogger's in-article size).
BODY_IMAGE_SIZE = "s640"


def body_field(**kwargs):
    """A form field editing HTML with the rich-text editor."""
    kwargs.setdefault("required", False)
    kwargs.setdefault("label", _("Body"))
    return ProseEditorFormField(
        config={"extensions": EXTENSIONS},
        widget=AdminProseEditorWidget,
        sanitize=False,  # Post.save() and Page.save() sanitise with nh3.
        **kwargs,
    )
