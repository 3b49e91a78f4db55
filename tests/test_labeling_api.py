"""The labeling API of a class as a client sees it: suggestions, blind votes, settings validation,
errors in the user's language, what a label may be given for, the gallery's filters, sharing a photo."""
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from eduai import classes
from labeling import scoring, services
from labeling.models import Label, LabelingSettings
from tests.images import jpeg


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def class_api(classroom, rest: str) -> str:
    return f"/api/v1/classes/{classroom.pk}/{rest}"


@pytest.fixture
def pictures(classroom):
    return [services.import_image(classroom=classroom, content=jpeg(40 + i, 30), name=f"p{i}.jpg", value=None).image
            for i in range(3)]


@pytest.fixture
def ben(classroom, make_user, join):
    user = make_user("ben")
    join(user, classroom)
    return user


@pytest.fixture
def other_class(make_user):
    return classes.create_class(name="2º Bach B", teacher=make_user("olga", "teacher"))


@pytest.mark.parametrize("mode, before, after", [("after_answer", False, True), ("always", True, True),
                                                  ("never", False, False)])
def test_the_models_suggestion_follows_the_teachers_setting(classroom, pictures, active_model, api, mode, before,
                                                            after):
    services.update_settings(classroom=classroom, suggestion=mode)
    served = api.get(class_api(classroom, "labeling/next/")).json()
    assert (served["suggestion"] is not None) is before
    if before:
        assert served["suggestion"]["answer"] in ("cat", "dog", "neither")
        assert sum(served["suggestion"]["shares"].values()) == pytest.approx(1.0, abs=1e-4)
    saved = api.post(class_api(classroom, "labeling/labels/"), {"image": served["image"]["id"], "value": "cat",
                                                                 "strategy": served["strategy"]}, format="json")
    assert saved.status_code == 201
    assert (saved.json()["model"] is not None) is after


def score_as(image, version, verdict) -> None:
    """Keep `verdict` as `version`'s score of `image`, exactly as labeling.scoring stores a verdict."""
    from labeling.models import ImageScore

    ImageScore.objects.create(image=image, model_version=version, embedding=b"", **scoring.stored_fields(verdict))


def test_a_confident_cat_below_the_unusual_threshold_is_the_model_agreeing_with_a_students_cat(
        classroom, pictures, active_model, api, client, student):
    from django.conf import settings

    from ml_models.core.answer import Verdict

    threshold = active_model.signature["decision"]["unusual"]["threshold"]
    assert 0.6 < threshold  # (0.932 for the pretrained version)
    # 95 % cat between cat and dog, unusual score 0.6: the largest of the three shares would be
    # "neither" (0.6 against cat 0.95 x 0.4 = 0.38), but the analyzer answers cat
    cat = Verdict(label="cat", cat=0.95, dog=0.05, unusual_score=0.6, unusual_threshold=threshold)
    assert max(cat.distribution(), key=cat.distribution().get) == "neither"
    score_as(pictures[0], active_model, cat)
    saved = api.post(class_api(classroom, "labeling/labels/"), {"image": pictures[0].pk, "value": "cat",
                                                                 "strategy": "random"}, format="json").json()
    assert saved["agrees"] is True
    model = saved["model"]
    assert (model["answer"], model["confidence"], model["cat"]) == ("cat", pytest.approx(0.95), pytest.approx(0.95))
    assert (model["unusual_score"], model["unusual_threshold"]) == (pytest.approx(0.6), pytest.approx(threshold))
    assert model["shares"] == pytest.approx({"cat": 0.38, "dog": 0.02, "neither": 0.6})
    dog = api.post(class_api(classroom, "labeling/labels/"), {"image": pictures[1].pk, "value": "dog",
                                                               "strategy": "random"}, format="json").json()
    assert dog["agrees"] is (dog["model"]["answer"] == "dog")

    client.force_login(student)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = client.get(f"/classes/{classroom.pk}/labeling/images/{pictures[0].pk}/").content.decode()
    answer = html[html.index('id="model-answer"'):html.index('data-term="unusual-score"')]
    assert "<strong>cat</strong>" in answer and "cat 95.0 %, dog 5.0 %" in answer
    assert "below the unusual threshold" in answer and "neither" not in answer


def test_an_unusual_picture_is_answered_neither_with_its_unusual_score_against_the_threshold(
        classroom, pictures, active_model, api):
    from ml_models.core.answer import Verdict

    threshold = active_model.signature["decision"]["unusual"]["threshold"]
    score_as(pictures[0], active_model, Verdict(label="unusual", cat=0.7, dog=0.3, unusual_score=0.97,
                                                unusual_threshold=threshold))
    saved = api.post(class_api(classroom, "labeling/labels/"), {"image": pictures[0].pk, "value": "cat",
                                                                 "strategy": "random"}, format="json").json()
    assert (saved["model"]["answer"], saved["agrees"]) == ("neither", False)
    assert saved["model"]["confidence"] == pytest.approx(0.97) and saved["model"]["cat"] == pytest.approx(0.7)


def test_a_student_sees_others_votes_and_the_model_only_after_answering(classroom, pictures, active_model, api, ben):
    services.label_image(classroom=classroom, user=ben, image=pictures[0], value="dog", strategy="random")
    detail = class_api(classroom, f"images/{pictures[0].pk}/")
    before = api.get(detail).json()
    assert (before["votes_visible"], before["labels"], before["model"]) == (False, [], None)
    assert before["status"] == "needs_labels"
    api.post(class_api(classroom, "labeling/labels/"), {"image": pictures[0].pk, "value": "cat", "strategy": "random"},
             format="json")
    after = api.get(detail).json()
    assert after["votes_visible"] and {(v["labeler"], v["value"]) for v in after["labels"]} == {("ben", "dog"),
                                                                                               ("ana", "cat")}
    assert after["status"] == "disputed" and after["model"]["version"] == "lite0-imagenet v4"


def test_votes_in_another_class_are_not_shown_with_the_picture(classroom, pictures, other_class, api, make_user,
                                                               join):
    services.import_image(classroom=other_class, content=jpeg(40, 30), name="p0.jpg", value=None)  # pictures[0]
    otto = make_user("otto")
    join(otto, other_class)
    services.label_image(classroom=other_class, user=otto, image=pictures[0], value="dog", strategy="random")
    api.post(class_api(classroom, "labeling/labels/"), {"image": pictures[0].pk, "value": "cat", "strategy": "random"},
             format="json")
    after = api.get(class_api(classroom, f"images/{pictures[0].pk}/")).json()
    assert [(v["labeler"], v["value"]) for v in after["labels"]] == [("ana", "cat")]
    assert after["status"] == "needs_labels"


def test_the_default_order_is_the_teachers_choice(classroom, pictures, active_model, api, teacher):
    assert api.get(class_api(classroom, "labeling/next/")).json()["strategy"] == "random"  # the first default
    changed = client_for(teacher).patch(class_api(classroom, "labeling/settings/"), {"default_strategy": "entropy"},
                                        format="json")
    assert changed.status_code == 200
    served = api.get(class_api(classroom, "labeling/next/")).json()
    assert served["strategy"] == "entropy" and served["image"] is not None


@pytest.mark.parametrize("change", [{"labels_per_image": 0}, {"labels_per_image": 11}, {"suggestion": "sometimes"},
                                    {"default_strategy": "model_wrong"}])
def test_invalid_settings_are_refused_and_change_nothing(classroom, teacher, change):
    response = client_for(teacher).patch(class_api(classroom, "labeling/settings/"), change, format="json")
    assert response.status_code == 400 and response.json()["field"] == next(iter(change))
    current = LabelingSettings.of(classroom)
    assert (current.labels_per_image, current.suggestion, current.default_strategy) == (2, "after_answer", "random")


def test_a_teacher_changes_the_number_of_labels_needed_in_their_class_only(classroom, teacher, other_class):
    response = client_for(teacher).patch(class_api(classroom, "labeling/settings/"), {"labels_per_image": 3},
                                         format="json")
    assert response.status_code == 200 and response.json()["labels_per_image"] == 3
    assert LabelingSettings.of(classroom).labels_per_image == 3
    assert LabelingSettings.of(other_class).labels_per_image == 2


@pytest.mark.parametrize("language, text", [("es", "no es una elección válida"), ("en", "is not a valid choice")])
def test_an_unknown_order_is_a_clear_error_in_the_users_language(classroom, api, language, text):
    response = api.get(class_api(classroom, "labeling/next/?strategy=psychic"), HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 400 and response.json()["field"] == "strategy"
    assert text in response.json()["detail"]


@pytest.mark.parametrize("payload, field", [({"image": 999999, "value": "cat", "strategy": "random"}, None),
                                            ({"image": "x", "value": "cat", "strategy": "random"}, "image"),
                                            ({"value": "cat", "strategy": "random"}, "image"),
                                            ({"image": 1, "value": "horse", "strategy": "random"}, "value")])
def test_bad_labels_are_refused_and_store_nothing(classroom, pictures, api, payload, field):
    response = api.post(class_api(classroom, "labeling/labels/"), payload, format="json")
    body = response.json()
    assert response.status_code == (404 if field is None else 400) and body.get("field") == field
    assert body["detail"] and not Label.objects.exists()


def test_a_label_for_a_picture_of_another_class_is_a_404_and_stores_nothing(classroom, pictures, other_class, api):
    elsewhere = services.import_image(classroom=other_class, content=jpeg(99, 30), name="o.jpg", value=None).image
    for rest, payload in (("labeling/labels/", {"image": elsewhere.pk, "value": "cat", "strategy": "random"}),
                          ("labeling/skip/", {"image": elsewhere.pk})):
        response = api.post(class_api(classroom, rest), payload, format="json")
        assert response.status_code == 404 and response.json()["code"] == "not_found"
    assert api.get(class_api(classroom, f"images/{elsewhere.pk}/")).status_code == 404
    assert not Label.objects.exists() and not elsewhere.skips.exists()


def test_a_label_for_a_picture_that_no_longer_needs_one_is_a_409(classroom, pictures, api, ben):
    services.update_settings(classroom=classroom, labels_per_image=1)
    services.label_image(classroom=classroom, user=ben, image=pictures[0], value="dog", strategy="random")
    response = api.post(class_api(classroom, "labeling/labels/"),
                        {"image": pictures[0].pk, "value": "cat", "strategy": "random"}, format="json",
                        HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 409
    assert response.json() == {"code": "not_labelable", "detail": (
        "This picture does not need your label now. Take the next one from the queue.")}
    assert list(Label.objects.values_list("labeler", flat=True)) == ["ben"]


def test_undo_with_nothing_to_undo_is_a_409_in_spanish(classroom, api):
    response = api.post(class_api(classroom, "labeling/undo/"), {}, format="json")
    assert response.status_code == 409
    assert response.json() == {"code": "nothing_to_undo", "detail": "No hay nada que deshacer."}


def test_my_label_count_is_of_the_class_in_the_url(classroom, pictures, other_class, api, student, join):
    services.label_image(classroom=classroom, user=student, image=pictures[0], value="cat", strategy="random")
    join(student, other_class)
    assert api.get(class_api(classroom, "labeling/next/")).json()["labeled_by_me"] == 1
    assert api.get(class_api(other_class, "labeling/next/")).json()["labeled_by_me"] == 0


def test_gallery_finds_pictures_the_model_disagrees_on_and_unusual_ones(classroom, active_model, api, teacher,
                                                                       cat_photos, dog_photos, other_photos):
    def stored(path, value):
        return services.import_image(classroom=classroom, content=path.read_bytes(), name=path.name, value=value).image

    right, wrong = stored(cat_photos[0], "cat"), stored(dog_photos[0], "cat")  # the dog is mislabelled
    fish = stored(other_photos[0], None)
    uploaded = api.post(class_api(classroom, "images/"), {"files": []}, format="multipart")  # nothing sent: refused
    assert uploaded.status_code == 400
    assert scoring.score_class(classroom=classroom) == 3

    def ids(filter_name, client=api):
        return {item["id"] for item in client.get(class_api(classroom, f"images/?filter={filter_name}")).json()["results"]}

    teaching = APIClient()
    teaching.force_authenticate(teacher)
    assert ids("model_disagrees") == {wrong.pk}
    assert ids("unusual", teaching) == {fish.pk}
    assert ids("unusual") == set()  # the student has not answered it: the model's answer is not theirs to see yet
    assert ids("cat") == {right.pk, wrong.pk} and ids("dataset") == {right.pk, wrong.pk}
    assert ids("unlabeled") == {fish.pk}
    answered = api.post(class_api(classroom, "labeling/labels/"),
                        {"image": fish.pk, "value": "neither", "strategy": "random"}, format="json")
    assert answered.status_code == 201, answered.content
    assert ids("unusual") == {fish.pk}  # answered: now they may compare with the model
    assert api.get(class_api(classroom, "images/?filter=nonsense")).status_code == 400


def test_the_gallery_shows_file_names_of_uploaded_pictures_to_teachers_only(classroom, pictures, api, teacher):
    def names(client):
        return {item["original_name"] for item in client.get(class_api(classroom, "images/")).json()["results"]}

    assert names(client_for(teacher)) == {"p0.jpg", "p1.jpg", "p2.jpg"}
    assert names(api) == {""}


def test_sharing_an_analysis_puts_the_photo_in_the_classs_gallery_once(classroom, active_model, api, teacher):
    upload = SimpleUploadedFile("mi-gato.jpg", jpeg(64, 48), content_type="image/jpeg")
    analysis = api.post("/api/v1/analyses/", {"image": upload}, format="multipart").json()
    assert api.get(class_api(classroom, "images/")).json()["results"] == []  # private until shared

    first = api.post(f"/api/v1/analyses/{analysis['id']}/share/", {"class": classroom.pk}, format="json")
    assert first.status_code == 201 and first.json()["class"] == classroom.pk
    again = api.post(f"/api/v1/analyses/{analysis['id']}/share/", {"class": classroom.pk}, format="json")
    assert again.status_code == 200 and again.json()["image"] == first.json()["image"]
    (item,) = client_for(teacher).get(class_api(classroom, "images/")).json()["results"]
    assert item["id"] == first.json()["image"] and item["original_name"] == ""  # a shared photo has no name here
