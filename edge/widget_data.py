"""The URLs the edge page and the `edge-lab` widget start from (one place, so both stay the same)."""
from __future__ import annotations

from django.urls import reverse


def urls_for(classroom) -> dict:
    """`classroom` is a class the reader is a member of, or None (the global pretrained version)."""
    model_info_url = reverse("api:edge-model")
    if classroom is not None:
        model_info_url += f"?class={classroom.pk}"
    return {
        "model_info_url": model_info_url,
        "class_id": classroom.pk if classroom is not None else None,
        "device_measurements_url": (reverse("api:class-device-measurements", kwargs={"class_id": classroom.pk})
                                    if classroom is not None else None),
        "test_set_url": (reverse("api:class-edge-test-set", kwargs={"class_id": classroom.pk})
                         if classroom is not None else None),
        "server_answers_url": reverse("api:edge-server-answers"),
        "sw_url": reverse("edge:sw"),
        "page_url": reverse("edge:page"),
        "answer_data_url": reverse("edge:answer-data"),
    }


def edge_context(*, classroom, user, options: dict) -> dict:
    """The `edge-lab` widget's data (lessons.api.WidgetDataApi calls it for a member of `classroom`)."""
    return urls_for(classroom)
