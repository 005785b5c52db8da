from django import forms
from django.utils.translation import gettext_lazy as _


def normalise(code):
    """A code as typed: spaces and dashes dropped, letters lower-case."""
    return "".join(code.split()).replace("-", "").lower()


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code"),
        max_length=32,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "autocapitalize": "off",
                "spellcheck": "false",
                "autofocus": True,
            }
        ),
    )

    def __init__(self, *args, help_text="", **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["code"].help_text = help_text

    def clean_code(self):
        return normalise(self.cleaned_data["code"])
