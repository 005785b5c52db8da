"""
Relative time, MagOne's way (DESIGN 4.4): one ladder read by the `post_time`
template tag and, through `json_script`, by static/js/reltime.js.

Past a week (from the ladder's weeks rung on: "1 week ago", "more than 5
weeks ago") the absolute date is shown beside the relative text, so a reader
sees it without hovering; the ladder's texts themselves stay MagOne's.
"""

import math
from dataclasses import dataclass

from django.utils import formats, timezone
from django.utils.functional import Promise
from django.utils.translation import (
    gettext_lazy,
    gettext_noop,
    ngettext_lazy,
    pgettext,
)

MINUTE = 60
HOUR = 60 * MINUTE
DAY = 24 * HOUR
PLACEHOLDER = "%(count)s"


@dataclass(frozen=True)
class Step:
    """
    A rung of the ladder: it applies while the age in seconds is below `below`
    (None: no bound). A counted rung shows N = ceil(floor(age / unit) / per).
    """

    below: int | None
    message: Promise
    unit: int = 0
    per: int = 1

    def count(self, age):
        return math.ceil((age // self.unit) / self.per)

    def text(self, age):
        if not self.unit:
            return str(self.message)
        return self.message % {"count": self.count(age)}


class _Slot(int):
    """A count that prints as the placeholder: picks the plural form, keeps the slot."""

    def __str__(self):
        return PLACEHOLDER


# The counted rungs give MagOne's "1 minute ago" and "1 hour ago" rows too.
LADDER = (
    Step(60, gettext_lazy("just now")),
    Step(
        HOUR,
        ngettext_lazy("%(count)s minute ago", "%(count)s minutes ago", "count"),
        unit=MINUTE,
    ),
    Step(
        DAY,
        ngettext_lazy("%(count)s hour ago", "%(count)s hours ago", "count"),
        unit=HOUR,
    ),
    Step(2 * DAY, gettext_lazy("Yesterday")),
    Step(
        7 * DAY,
        ngettext_lazy("%(count)s day ago", "%(count)s days ago", "count"),
        unit=DAY,
    ),
    Step(
        31 * DAY,
        ngettext_lazy("%(count)s week ago", "%(count)s weeks ago", "count"),
        unit=DAY,
        per=7,
    ),
    Step(None, gettext_lazy("more than 5 weeks ago")),
)


# From this age (in seconds) on, the absolute date is shown beside the text:
# the first rung that counts weeks.
DATED_FROM = 7 * DAY
# Between the relative text and the date (hidden from screen readers).
DATE_SEPARATOR = " \u00b7 "


# Django's own month names, listed so the site's catalogue carries them: it
# comes first (LOCALE_PATHS) and spells them as the site's readers do.
MONTH_NAMES = (
    gettext_noop("January"),
    gettext_noop("February"),
    gettext_noop("March"),
    gettext_noop("April"),
    gettext_noop("May"),
    gettext_noop("June"),
    gettext_noop("July"),
    gettext_noop("August"),
    gettext_noop("September"),
    gettext_noop("October"),
    gettext_noop("November"),
    gettext_noop("December"),
)


def absolute_date(moment):
    """`Mar 05, 2025` in the site's time zone, month names in the active language."""
    # Translators: Django date format of post dates; "M" is the short month name.
    date_format = pgettext("post date", "M d, Y")
    return formats.date_format(timezone.localtime(moment), date_format)


def age_of(moment, now=None):
    """Whole seconds since `moment` (negative for a future moment)."""
    return math.floor(((now or timezone.now()) - moment).total_seconds())


def shows_date(moment, now=None):
    """Whether `moment` is old enough for the absolute date beside its text."""
    return age_of(moment, now) >= DATED_FROM


def relative_text(moment, now=None):
    """The ladder's text for `moment`; the absolute date for a future moment."""
    age = age_of(moment, now)
    if age < 0:
        return absolute_date(moment)
    for step in LADDER:
        if step.below is None or age < step.below:
            return step.text(age)
    raise AssertionError("The ladder ends with an unbounded rung.")


def script_table():
    """
    The ladder in the active language, for the script. A counted rung lists
    its distinct message forms and, for each N it can show, which form N
    takes: the browser needs no plural rules of its own.
    """
    rungs = []
    for step in LADDER:
        rung = {"below": step.below}
        if step.unit:
            forms, pick = [], []
            for n in range(step.count(step.below - 1) + 1):
                form = step.message % {"count": _Slot(n)}
                if form not in forms:
                    forms.append(form)
                pick.append(forms.index(form))
            rung.update(unit=step.unit, per=step.per, forms=forms, pick=pick)
        else:
            rung["text"] = str(step.message)
        rungs.append(rung)
    return {
        "ladder": rungs,
        "placeholder": PLACEHOLDER,
        "dated_from": DATED_FROM,
        "separator": DATE_SEPARATOR,
    }
