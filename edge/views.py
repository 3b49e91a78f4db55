"""/edge/: the class's model running in the browser; its service worker; the tables answer.js reads."""
from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import FileResponse, Http404
from django.shortcuts import render
from django.utils.cache import patch_cache_control

from edge import lab_strings
from edge import page_strings as edge_page_strings
from edge.answer_data import view as answer_tables
from edge.isolation import cross_origin_isolated
from edge.widget_data import urls_for
from eduai import classes

SW_FILE = "js/edge_sw.js"


def page_strings() -> dict:
    """The page's words for its JavaScript: the page's own and the lab's."""
    return {key: str(value) for key, value in {**edge_page_strings.STRINGS, **lab_strings.STRINGS}.items()}


def page_class(request):
    """`?class=<id>` (a class the user is in: 404 otherwise), else the user's current class, else None
    (anonymous visitors: the global pretrained version)."""
    chosen = request.GET.get("class", "")
    if chosen:
        if not request.user.is_authenticated:
            return False
        return classes.class_for(request.user, chosen)
    return classes.current_class(request.user) if request.user.is_authenticated else None


@cross_origin_isolated
def edge_page(request):
    classroom = page_class(request)
    if classroom is False:
        return redirect_to_login(request.get_full_path())
    return render(request, "edge/page.html", {**urls_for(classroom), "classroom": classroom,
                                              "page_strings": page_strings()})


def _service_worker_file() -> Path | None:
    for folder in settings.STATICFILES_DIRS:
        path = Path(folder) / SW_FILE
        if path.is_file():
            return path
    path = Path(settings.STATIC_ROOT) / SW_FILE
    return path if path.is_file() else None


def service_worker(request):
    """static/js/edge_sw.js served from /edge/ so its scope can be /edge/ (it caches the page, the scripts,
    the wasm files and the model for offline use)."""
    path = _service_worker_file()
    if path is None:
        raise Http404
    response = FileResponse(open(path, "rb"), content_type="text/javascript; charset=utf-8")
    response["Service-Worker-Allowed"] = "/edge/"
    response["Cache-Control"] = "no-cache"
    return response


def answer_data(request):
    """What answer.js needs from the Python side (edge/answer_data.py), cached for a day."""
    response = answer_tables(request)
    if not response.has_header("Cache-Control"):
        patch_cache_control(response, public=True, max_age=86400)
    return response
