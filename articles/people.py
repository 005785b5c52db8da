"""How the newsroom names people: one helper for bylines, the desk and mail."""

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.db.models import CharField, Q, Value
from django.db.models.functions import Coalesce, Concat, NullIf, Trim


def display_name(user):
    """The person's full name, else their username; "" for nobody."""
    if user is None:
        return ""
    return (user.get_full_name() or "").strip() or user.get_username()


def display_name_expression(prefix=""):
    """
    `display_name()` as an SQL expression over the user row at `prefix`
    ("author__", "" for the user itself), to sort lists by the names shown.
    """
    return Coalesce(
        NullIf(
            Trim(
                Concat(
                    prefix + "first_name",
                    Value(" "),
                    prefix + "last_name",
                    output_field=CharField(),
                )
            ),
            Value(""),
        ),
        prefix + "username",
        output_field=CharField(),
    )


def name_column(field, description):
    """
    An admin list column showing the user in `field` by display name, sorted
    by it (add `field` to the admin's `list_select_related`).
    """

    @admin.display(
        description=description,
        ordering=display_name_expression(field + "__"),
    )
    def column(obj):
        return display_name(getattr(obj, field))

    column.__name__ = "%s_name" % field
    return column


class NameFilter(admin.RelatedOnlyFieldListFilter):
    """A list filter on a user field: the users in use, by display name."""

    def field_choices(self, field, request, model_admin):
        users = field.related_model._default_manager.filter(
            pk__in=field.model._default_manager.values(field.name)
        ).order_by(display_name_expression(), "pk")
        return [(user.pk, display_name(user)) for user in users]


class NamesInSelects:
    """A ModelAdmin mixin: every select of users reads as display names."""

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if field is not None and db_field.related_model is get_user_model():
            field.label_from_instance = display_name
        return field


def holders(permission):
    """
    Active people with an e-mail address who hold `permission`
    ("app_label.codename") through a group or directly, and superusers: the
    people a notification about that kind of work goes to.
    """
    app_label, codename = permission.split(".", 1)
    granted = Permission.objects.filter(
        content_type__app_label=app_label, codename=codename
    ).first()
    holds = Q(is_superuser=True)
    if granted is not None:
        holds |= Q(groups__permissions=granted) | Q(user_permissions=granted)
    return (
        get_user_model()
        ._default_manager.filter(holds, is_active=True)
        .exclude(email="")
        .distinct()
    )
