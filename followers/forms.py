from django import forms
from django.core.exceptions import ValidationError
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from articles.models import Label, Post


class LabelsField(forms.ModelMultipleChoiceField):
    def _check_values(self, value):
        # Refuse numbers no database column holds before they reach a query.
        for pk in value:
            if not str(pk).isdigit() or not 0 < int(str(pk)) < 2**63:
                raise ValidationError(
                    self.error_messages["invalid_pk_value"],
                    code="invalid_pk_value",
                    params={"pk": pk},
                )
        return super()._check_values(value)


class FollowForm(forms.Form):
    email = forms.EmailField(
        label=_("E-mail"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    labels = LabelsField(
        label=_("Labels"),
        queryset=Label.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Choose none to follow every new post."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        live = Post.objects.published().values("pk")
        self.fields["labels"].queryset = (
            Label.objects.filter(labeled_posts__content_object__in=live)
            .distinct()
            .order_by(Lower("name"), "name")  # as the Labels widget
        )
