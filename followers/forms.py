from django import forms
from django.utils.translation import gettext_lazy as _

from articles.models import Label, Post


class FollowForm(forms.Form):
    email = forms.EmailField(
        label=_("E-mail"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    labels = forms.ModelMultipleChoiceField(
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
            .order_by("name")
        )
