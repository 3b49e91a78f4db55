"""The labeling API as a client sees it: suggestions, blind votes, settings validation, errors in the user's language."""
import pytest
from rest_framework.test import APIClient

from labeling import services
from labeling.models import LabelingSettings
from tests.images import jpeg


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def pictures(db):
    return [services.import_image(content=jpeg(40 + i, 30), name=f"p{i}.jpg", value=None).image for i in range(3)]


@pytest.mark.parametrize("mode, before, after", [("after_answer", False, True), ("always", True, True),
                                                  ("never", False, False)])
def test_the_models_suggestion_follows_the_teachers_setting(pictures, active_model, make_user, mode, before, after):
    services.update_settings(suggestion=mode)
    ana = client_for(make_user("ana"))
    served = ana.get("/api/v1/labeling/next/").json()
    assert (served["suggestion"] is not None) is before
    if before:
        assert served["suggestion"]["answer"] in ("cat", "dog", "neither")
        assert sum(served["suggestion"]["probabilities"].values()) == pytest.approx(1.0, abs=1e-4)
    saved = ana.post("/api/v1/labeling/labels/", {"image": served["image"]["id"], "value": "cat",
                                                   "strategy": served["strategy"]}, format="json")
    assert saved.status_code == 201
    assert (saved.json()["model"] is not None) is after


def test_a_student_sees_others_votes_and_the_model_only_after_answering(pictures, active_model, make_user):
    services.label_image(user=make_user("ben"), image=pictures[0], value="dog", strategy="random")
    ana = client_for(make_user("ana"))
    before = ana.get(f"/api/v1/images/{pictures[0].pk}/").json()
    assert (before["votes_visible"], before["labels"], before["model"]) == (False, [], None)
    ana.post("/api/v1/labeling/labels/", {"image": pictures[0].pk, "value": "cat", "strategy": "random"}, format="json")
    after = ana.get(f"/api/v1/images/{pictures[0].pk}/").json()
    assert after["votes_visible"] and {(v["labeler"], v["value"]) for v in after["labels"]} == {("ben", "dog"), ("ana", "cat")}
    assert after["status"] == "disputed" and after["model"]["version"] == "lite0-imagenet v1"


def test_the_default_order_is_the_teachers_choice(pictures, make_user):
    services.update_settings(default_strategy="random")
    assert client_for(make_user("ana")).get("/api/v1/labeling/next/").json()["strategy"] == "random"


@pytest.mark.parametrize("change", [{"labels_per_image": 0}, {"labels_per_image": 11}, {"suggestion": "sometimes"},
                                    {"default_strategy": "model_wrong"}])
def test_invalid_settings_are_refused_and_change_nothing(db, make_user, change):
    response = client_for(make_user("tere", "teacher")).patch("/api/v1/labeling/settings/", change, format="json")
    assert response.status_code == 400 and response.json()["field"] == next(iter(change))
    current = LabelingSettings.current()
    assert (current.labels_per_image, current.suggestion, current.default_strategy) == (2, "after_answer", "random")


def test_a_teacher_changes_the_number_of_labels_needed(db, make_user):
    response = client_for(make_user("tere", "teacher")).patch("/api/v1/labeling/settings/", {"labels_per_image": 3},
                                                              format="json")
    assert response.status_code == 200 and response.json()["labels_per_image"] == 3
    assert LabelingSettings.current().labels_per_image == 3


@pytest.mark.parametrize("language, text", [("es", "no es una elección válida"), ("en", "is not a valid choice")])
def test_an_unknown_order_is_a_clear_error_in_the_users_language(db, make_user, language, text):
    response = client_for(make_user("ana")).get("/api/v1/labeling/next/?strategy=psychic",
                                                HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 400 and response.json()["field"] == "strategy"
    assert text in response.json()["detail"]


@pytest.mark.parametrize("payload, field", [({"image": 999999, "value": "cat", "strategy": "random"}, None),
                                            ({"image": "x", "value": "cat", "strategy": "random"}, "image"),
                                            ({"value": "cat", "strategy": "random"}, "image"),
                                            ({"image": 1, "value": "horse", "strategy": "random"}, "value")])
def test_bad_labels_are_refused_and_store_nothing(pictures, make_user, payload, field):
    from labeling.models import Label

    response = client_for(make_user("ana")).post("/api/v1/labeling/labels/", payload, format="json")
    body = response.json()
    assert response.status_code == (404 if field is None else 400) and body.get("field") == field
    assert body["detail"] and not Label.objects.exists()


def test_undo_with_nothing_to_undo_is_a_409_in_spanish(db, make_user):
    response = client_for(make_user("ana")).post("/api/v1/labeling/undo/", {}, format="json")
    assert response.status_code == 409
    assert response.json() == {"code": "nothing_to_undo", "detail": "No hay nada que deshacer."}


def test_gallery_finds_pictures_the_model_disagrees_on_and_unusual_ones(db, active_model, make_user,
                                                                       cat_photos, dog_photos, other_photos):
    ana = client_for(make_user("ana"))
    right = services.import_image(content=cat_photos[0].read_bytes(), name="cat.jpg", value="cat").image
    wrong = services.import_image(content=dog_photos[0].read_bytes(), name="dog.jpg", value="cat").image  # mislabelled
    fish = services.import_image(content=other_photos[0].read_bytes(), name="other.jpg", value=None).image
    uploaded = ana.post("/api/v1/images/", {"files": []}, format="multipart")  # nothing sent: refused
    assert uploaded.status_code == 400
    from labeling.scoring import score_images

    score_images([right.pk, wrong.pk, fish.pk])

    def ids(filter_name):
        return {item["id"] for item in ana.get(f"/api/v1/images/?filter={filter_name}").json()["results"]}

    assert ids("model_disagrees") == {wrong.pk}
    assert ids("unusual") == {fish.pk}
    assert ids("cat") == {right.pk, wrong.pk} and ids("dataset") == {right.pk, wrong.pk}
    assert ids("unlabeled") == {fish.pk}
    assert ana.get("/api/v1/images/?filter=nonsense").status_code == 400
