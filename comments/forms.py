from django import forms
from django.utils.translation import gettext_lazy as _

from articles.people import display_name

from .models import Comment, Report
from .spam import conf, form_token, target_name
from .text import count_links

NAME_MAX_LENGTH = 100


class CommentForm(forms.Form):
    """A reader's comment or reply; the hidden fields carry the spam defences."""

    name = forms.CharField(
        label=_("Name"),
        max_length=NAME_MAX_LENGTH,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    email = forms.EmailField(
        label=_("E-mail (optional, never shown)"),
        max_length=254,
        required=False,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    text = forms.CharField(label=_("Comment"), widget=forms.Textarea(attrs={"rows": 5}))
    parent = forms.IntegerField(required=False, widget=forms.HiddenInput)
    # The honeypot: hidden from people, filled in by form-filling robots.
    website = forms.CharField(
        label=_("Leave this field empty"),
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )
    token = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, target, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.target = target  # the post or the page commented on
        self.reply_target = None
        # A signed-in reader comments under their account's display name and
        # e-mail, not a name typed in: the form asks neither.
        self.account = user if user is not None and user.is_authenticated else None
        if self.account is not None:
            del self.fields["name"]
            del self.fields["email"]
        # The length limit is a setting, read when the form is made.
        self.fields["text"] = forms.CharField(
            label=_("Comment"),
            max_length=conf("MAX_LENGTH"),
            widget=forms.Textarea(attrs={"rows": 5}),
        )
        if not self.is_bound and user is not None and user.is_authenticated:
            # A signed-in reader's page is never cached: the token is drawn
            # for them. An anonymous reader's form is shared by everyone, so
            # it fetches its token when they start writing (csrf.js).
            self.initial["token"] = form_token(target)

    @property
    def account_name(self):
        """The name a signed-in reader's comment is shown under."""
        return display_name(self.account)[:NAME_MAX_LENGTH]

    def clean(self):
        cleaned_data = super().clean()
        if self.account is not None:
            cleaned_data["name"] = self.account_name
            email = self.account.email or ""
            try:
                forms.EmailField(max_length=254).clean(email)
            except forms.ValidationError:
                email = ""  # an address the account got elsewhere, not valid here
            cleaned_data["email"] = email
        return cleaned_data

    def clean_text(self):
        text = self.cleaned_data["text"]
        limit = conf("MAX_LINKS")
        if count_links(text) > limit:
            raise forms.ValidationError(
                _("A comment may contain at most %(limit)d links."),
                code="too_many_links",
                params={"limit": limit},
            )
        return text

    def clean_parent(self):
        """The thread's first comment: a reply to a reply joins that thread."""
        pk = self.cleaned_data["parent"]
        if pk is None:
            return None
        target = (
            Comment.objects.approved()
            .on(self.target)
            .filter(pk=pk)
            .select_related("parent")
            .first()
        )
        if target is None:
            raise forms.ValidationError(
                _("The comment you are replying to is no longer available."),
                code="parent_gone",
            )
        self.reply_target = target
        return target.parent or target

    @property
    def token_name(self):
        """What the form's page asks `/csrf-token?for=` a token for: "post-12"."""
        return target_name(self.target)

    def renew_token(self):
        """
        Give a form shown again (never cached: the answer to a POST) a fresh,
        unspent token, keeping what the reader typed.
        """
        if self.is_bound:
            self.data = self.data.copy()
            self.data["token"] = form_token(self.target)


class ReportForm(forms.Form):
    """A reader's report of a comment: why, and an optional word to the moderators."""

    reason = forms.ChoiceField(
        label=_("Why should the moderators look at this comment?"),
        choices=Report.Reason.choices,
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=_("Anything to add (optional)"),
        max_length=300,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
