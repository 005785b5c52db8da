"""How the newsroom names people: one helper for bylines, the desk and mail."""


def display_name(user):
    """The person's full name, else their username; "" for nobody."""
    if user is None:
        return ""
    return (user.get_full_name() or "").strip() or user.get_username()
