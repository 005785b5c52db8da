"""Share links: plain addresses of each network's share page, no scripts."""

from urllib.parse import urlencode

from django.utils.translation import gettext_lazy as _

NETWORKS = [
    ("x", _("X (Twitter)"), "https://twitter.com/intent/tweet?", ("text", "url")),
    ("facebook", "Facebook", "https://www.facebook.com/sharer/sharer.php?", ("u",)),
    ("whatsapp", "WhatsApp", "https://wa.me/?", ("text+url",)),
    (
        "linkedin",
        "LinkedIn",
        "https://www.linkedin.com/sharing/share-offsite/?",
        ("url",),
    ),
    ("telegram", "Telegram", "https://t.me/share/url?", ("url", "text")),
]


def share_links(url, title):
    """(key, name, href) for each network and for e-mail, for an absolute `url`."""
    values = {"url": url, "u": url, "text": title, "text+url": "%s %s" % (title, url)}
    links = []
    for key, name, base, params in NETWORKS:
        query = {param.split("+")[0]: values[param] for param in params}
        links.append((key, name, base + urlencode(query)))
    mail = "mailto:?" + urlencode({"subject": title, "body": url}, quote_via=_quote)
    links.append(("email", _("E-mail"), mail))
    return links


def _quote(value, safe="", encoding=None, errors=None):
    # mailto: wants %20 for spaces, not "+".
    from urllib.parse import quote

    return quote(value, safe=safe, encoding=encoding, errors=errors)


# The share buttons that unlock a share-to-unlock post's premium part, in the
# order the premium box shows them ("copy" copies the post's address).
UNLOCK_BUTTONS = ("whatsapp", "facebook", "x", "email", "copy")


def unlock_buttons(url, title):
    """(key, name, href) of each share-to-unlock button, for an absolute `url`."""
    links = {key: (key, name, href) for key, name, href in share_links(url, title)}
    links["copy"] = ("copy", _("Copy link"), url)
    return [links[key] for key in UNLOCK_BUTTONS]
