"""The admin's rich-text editor (django-prose-editor) for post and page bodies.

`static/js/admin_writing.js` adds to it: upload by drag-and-drop, paste or the
"Upload image" button (one step: the file, its alt text, inserted), and the
live word count and reading time under it.
"""

import json

from django import forms
from django.urls import reverse, reverse_lazy
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django_prose_editor.fields import ProseEditorFormField
from django_prose_editor.widgets import AdminProseEditorWidget

from . import thumbnails

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
# Size of library images placed in a body: the full size, shown at the
# column's width with a srcset (articles/body_images.py).
BODY_IMAGE_SIZE = thumbnails.FULL


# Posts' reading time: words per minute (Post.reading_minutes).
WORDS_PER_MINUTE = 200


def writing_config():
    """URLs and words for admin_writing.js, in the language of the request."""
    return {
        "uploadUrl": reverse("admin:articles_image_upload"),
        "wordsPerMinute": WORDS_PER_MINUTE,
        # Plural forms for 1 and for more (English and Hindi have two).
        "words": [
            ngettext("%(count)s word", "%(count)s words", 1),
            ngettext("%(count)s word", "%(count)s words", 2),
        ],
        "minutes": [
            ngettext("%(count)s min read", "%(count)s min read", 1),
            ngettext("%(count)s min read", "%(count)s min read", 2),
        ],
        "text": {
            "upload": str(_("Upload image")),
            "dialogTitle": str(_("Insert an image")),
            "alt": str(_("Alt text (required)")),
            "altHelp": str(_("Describe the picture for readers who cannot see it.")),
            "altMissing": str(
                _("Describe the image for readers who cannot see it (alt text).")
            ),
            "caption": str(_("Caption (optional)")),
            "insert": str(_("Upload and insert")),
            "cancel": str(_("Cancel")),
            "uploading": str(_("Uploading…")),
            "failed": str(_("The upload failed: check the connection and try again.")),
            "fields": {
                "file": str(_("File")),
                "alt_text": str(_("Alt text")),
                "caption": str(_("Caption")),
                "__all__": "",
            },
            "dropHere": str(_("Drop the picture to upload it")),
        },
    }


class BodyEditorWidget(AdminProseEditorWidget):
    """The admin's editor, with one-step image upload and a word count."""

    @property
    def media(self):
        return super().media + forms.Media(
            js=["js/admin_writing.js"], css={"all": ["css/admin_newsroom.css"]}
        )

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        context["widget"]["attrs"]["data-writing"] = json.dumps(
            writing_config(), separators=(",", ":")
        )
        return context


def body_field(**kwargs):
    """A form field editing HTML with the rich-text editor."""
    kwargs.setdefault("required", False)
    kwargs.setdefault("label", _("Body"))
    return ProseEditorFormField(
        config={"extensions": EXTENSIONS},
        widget=BodyEditorWidget,
        sanitize=False,  # Post.save() and Page.save() sanitise with nh3.
        **kwargs,
    )
