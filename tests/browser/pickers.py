"""Choosing in the image chooser, a popup that closes itself once a choice is made."""

from playwright.sync_api import Error as PlaywrightError


def choose_and_close(picker, control):
    """
    Click `control` in the popup `picker` and wait for the popup to close.

    The chooser hands the image to its opener and closes at once, sometimes
    before Playwright has finished its click (which then reports the page as
    closed). The click did its work in that case; the close is what we wait for,
    and the caller then checks the opener received the image.
    """
    with picker.expect_event("close"):
        try:
            control.click()
        except PlaywrightError:
            if not picker.is_closed():
                raise
