from eduai import classes


def current_class(request):
    """The navigation bar's class chooser: the user's classes and the current one."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"current_class": classes.current_class(user), "my_classes": list(classes.classes_of(user)[:50])}
