from collections import defaultdict

from labeling.models import Label


def agreed_labels() -> dict[int, str]:
    """{image id: label} for every labelled image whose labels all agree (disagreements are left out)."""
    values: dict[int, set[str]] = defaultdict(set)
    for image_id, value in Label.objects.values_list("image_id", "value"):
        values[image_id].add(value)
    return {image_id: next(iter(found)) for image_id, found in values.items() if len(found) == 1}
