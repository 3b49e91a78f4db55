"""Photos are private until shared: the visibility rules (eduai/policies.py) as a matrix over six people.

The owner (ana) and a classmate (bea) are students of class A, taught by tere; carl is a student and
olga a teacher of class B; root is an admin. Every rule is checked through the API, the pages and the
files, as each of them would try.
"""
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from rest_framework.test import APIClient

from eduai import classes
from eduai.models import Job
from tests import images

PEOPLE = ("owner", "classmate", "other_student", "teacher", "other_teacher", "admin")


@pytest.fixture
def world(db, active_model, make_user, join):
    people = {"owner": make_user("ana"), "classmate": make_user("bea"), "other_student": make_user("carl"),
              "teacher": make_user("tere", "teacher"), "other_teacher": make_user("olga", "teacher"),
              "admin": make_user("root", "admin")}
    people["admin"].is_staff = people["admin"].is_superuser = True
    people["admin"].save()
    class_a = classes.create_class(name="A", teacher=people["teacher"])
    class_b = classes.create_class(name="B", teacher=people["other_teacher"])
    join(people["owner"], class_a)
    join(people["classmate"], class_a)
    join(people["other_student"], class_b)
    owner_api = api_for(people["owner"])
    analysis = owner_api.post("/api/v1/analyses/", {"image": SimpleUploadedFile("mi-gato-en-casa.jpg", images.jpeg())},
                              format="multipart").json()
    return {"people": people, "A": class_a, "B": class_b, "analysis": analysis}


def api_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def page_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def share(world):
    response = api_for(world["people"]["owner"]).post(f"/api/v1/analyses/{world['analysis']['id']}/share/",
                                                      {"class": world["A"].pk}, format="json")
    assert response.status_code == 201
    return response.json()


# ------------------------------------------------------------------------- an analysis nobody was shown

@pytest.mark.parametrize("who", PEOPLE)
def test_an_analysis_and_its_files_are_only_their_owners(world, who):
    user, analysis = world["people"][who], world["analysis"]
    expected = 200 if who == "owner" else 404
    assert api_for(user).get(f"/api/v1/analyses/{analysis['id']}/").status_code == expected
    assert page_for(user).get(analysis["image_url"]).status_code == expected
    assert page_for(user).get(analysis["explanation"]["heatmap_url"]).status_code == expected
    listed = [item["id"] for item in api_for(user).get("/api/v1/analyses/").json()["results"]]
    assert (analysis["id"] in listed) == (who == "owner")


@pytest.mark.parametrize("who", PEOPLE)
def test_an_unshared_photo_is_in_no_gallery_and_its_class_file_url_does_not_exist(world, who):
    user, image_id = world["people"][who], world["analysis"]["image_sha256"]
    gallery = api_for(user).get(f"/api/v1/classes/{world['A'].pk}/images/")
    if who in ("other_student", "other_teacher"):
        assert gallery.status_code == 404  # class A is not theirs
    else:
        assert gallery.status_code == 200 and gallery.json()["results"] == []
    stored = world["analysis"]["id"]
    from classifier.models import Analysis

    picture = Analysis.objects.get(pk=stored).image
    assert picture.sha256 == image_id
    assert page_for(user).get(f"/classes/{world['A'].pk}/labeling/images/{picture.pk}/file/").status_code == 404


def test_admins_see_analyses_in_django_admin_only(world):
    admin = page_for(world["people"]["admin"])
    response = admin.get(f"/admin/classifier/analysis/{world['analysis']['id']}/change/")
    assert response.status_code == 200 and "mi-gato-en-casa.jpg" in response.content.decode()
    assert page_for(world["people"]["teacher"]).get("/admin/classifier/analysis/").status_code == 302  # to log in


# ------------------------------------------------------------------------------------ once shared

@pytest.mark.parametrize("who", PEOPLE)
def test_a_shared_photo_is_seen_by_its_class_without_its_file_name(world, who):
    shared = share(world)
    user = world["people"][who]
    in_class = who in ("owner", "classmate", "teacher", "admin")
    gallery = api_for(user).get(f"/api/v1/classes/{world['A'].pk}/images/")
    file_page = page_for(user).get(f"/classes/{world['A'].pk}/labeling/images/{shared['image']}/file/")
    detail_page = page_for(user).get(f"/classes/{world['A'].pk}/labeling/images/{shared['image']}/")
    if not in_class:
        assert (gallery.status_code, file_page.status_code, detail_page.status_code) == (404, 404, 404)
        return
    (picture,) = gallery.json()["results"]
    assert picture["id"] == shared["image"] and picture["original_name"] == ""
    assert file_page.status_code == 200
    assert detail_page.status_code == 200 and "mi-gato-en-casa" not in detail_page.content.decode()
    gallery_page = page_for(user).get(f"/classes/{world['A'].pk}/labeling/images/").content.decode()
    assert "mi-gato-en-casa" not in gallery_page
    # the analysis itself (answer, heatmap, timings) stays the owner's
    expected = 200 if who == "owner" else 404
    assert api_for(user).get(f"/api/v1/analyses/{world['analysis']['id']}/").status_code == expected


def test_teachers_see_the_names_of_pictures_uploaded_into_the_class_and_students_do_not(world):
    teacher = api_for(world["people"]["teacher"])
    upload = teacher.post(f"/api/v1/classes/{world['A'].pk}/images/",
                          {"files": [SimpleUploadedFile("gato.017.jpg", images.jpeg(80, 60))]}, format="multipart")
    image_id = upload.json()["added"][0]["image_id"]
    as_teacher = teacher.get(f"/api/v1/classes/{world['A'].pk}/images/{image_id}/").json()
    as_student = api_for(world["people"]["classmate"]).get(f"/api/v1/classes/{world['A'].pk}/images/{image_id}/").json()
    assert as_teacher["original_name"] == "gato.017.jpg" and as_student["original_name"] == ""


def test_only_the_owner_can_share_and_only_into_their_own_classes(world):
    analysis = world["analysis"]["id"]
    for who in ("classmate", "teacher", "admin"):
        response = api_for(world["people"][who]).post(f"/api/v1/analyses/{analysis}/share/", {"class": world["A"].pk},
                                                      format="json")
        assert response.status_code == 404
    owner = api_for(world["people"]["owner"])
    assert owner.post(f"/api/v1/analyses/{analysis}/share/", {"class": world["B"].pk}, format="json").status_code == 404
    assert owner.post(f"/api/v1/analyses/{analysis}/share/", {"class": world["A"].pk}, format="json").status_code == 201
    again = owner.post(f"/api/v1/analyses/{analysis}/share/", {"class": world["A"].pk}, format="json")
    assert again.status_code == 200 and again.json()["class"] == world["A"].pk


# ------------------------------------------------------------------------------------ blind labels

@pytest.fixture
def voted(world):
    """The shared photo with bea's vote on it; ana has not answered it yet."""
    shared = share(world)
    classmate = api_for(world["people"]["classmate"])
    held = classmate.get(f"/api/v1/classes/{world['A'].pk}/labeling/next/").json()["image"]
    assert held["id"] == shared["image"]
    response = classmate.post(f"/api/v1/classes/{world['A'].pk}/labeling/labels/",
                              {"image": shared["image"], "value": "dog", "strategy": "random"}, format="json")
    assert response.status_code == 201
    return shared


@pytest.mark.parametrize("who, sees_votes", [("owner", False), ("classmate", True), ("teacher", True),
                                             ("admin", True)])
def test_students_never_see_classmates_votes_before_they_answer(world, voted, who, sees_votes):
    detail = api_for(world["people"][who]).get(f"/api/v1/classes/{world['A'].pk}/images/{voted['image']}/").json()
    assert detail["votes_visible"] is sees_votes
    assert [label["value"] for label in detail["labels"]] == (["dog"] if sees_votes else [])
    assert (detail["model"] is not None) is sees_votes
    page = page_for(world["people"][who]).get(f"/classes/{world['A'].pk}/labeling/images/{voted['image']}/")
    assert ('id="labels-table"' in page.content.decode()) is sees_votes


@pytest.mark.parametrize("who, rows", [("owner", 0), ("classmate", 1), ("teacher", 1)])
def test_a_students_export_holds_only_their_own_labels(world, voted, who, rows):
    export = api_for(world["people"][who]).get(f"/api/v1/classes/{world['A'].pk}/labeling/export/json/")
    labels = export.json()["labels"]
    assert len(labels) == rows
    if who != "teacher":
        assert all(row["labeler"] == world["people"][who].username and row["consensus"] == "" for row in labels)


def test_gold_pictures_and_their_count_stay_with_the_teachers(world, voted):
    teacher = api_for(world["people"]["teacher"])
    assert teacher.put(f"/api/v1/classes/{world['A'].pk}/images/{voted['image']}/gold/", {"value": "cat"},
                       format="json").status_code == 200
    assert teacher.get(f"/api/v1/classes/{world['A'].pk}/labeling/agreement/").json()["counts"].get("gold") == 1
    student = api_for(world["people"]["owner"]).get(f"/api/v1/classes/{world['A'].pk}/labeling/agreement/").json()
    assert "gold" not in student["counts"] and student["gold"] is None
    overview = page_for(world["people"]["owner"]).get(f"/classes/{world['A'].pk}/labeling/").content.decode()
    assert "imagen de control" not in overview.lower()
    detail = api_for(world["people"]["owner"]).get(f"/api/v1/classes/{world['A'].pk}/images/{voted['image']}/").json()
    assert detail["gold"] is None and detail["status"] != "gold"


def test_a_label_is_accepted_only_for_a_picture_that_still_needs_it_or_was_served(world, voted):
    """bea already labelled it and the class needs two labels: carl cannot reach it, and ana gets it only
    through the queue (it is not held for her until she asks)."""
    other = api_for(world["people"]["other_student"])
    assert other.post(f"/api/v1/classes/{world['A'].pk}/labeling/labels/",
                      {"image": voted["image"], "value": "cat", "strategy": "random"}, format="json").status_code == 404
    classmate = api_for(world["people"]["classmate"])
    again = classmate.post(f"/api/v1/classes/{world['A'].pk}/labeling/labels/",
                           {"image": voted["image"], "value": "cat", "strategy": "random"}, format="json")
    assert again.status_code == 409


# -------------------------------------------------------------------------------------------- jobs

@pytest.mark.parametrize("who", PEOPLE)
def test_an_augmentation_preview_of_a_private_photo_is_only_its_owners(world, who, django_capture_on_commit_callbacks):
    owner = api_for(world["people"]["owner"])
    with django_capture_on_commit_callbacks(execute=False):
        job = owner.post("/api/v1/augmentation-previews/", {"analysis": world["analysis"]["id"]}, format="json").json()
    expected = 200 if who == "owner" else 404
    assert api_for(world["people"][who]).get(f"/api/v1/jobs/{job['id']}/").status_code == expected


@pytest.mark.parametrize("who, expected", [("owner", 200), ("classmate", 200), ("teacher", 200), ("admin", 200),
                                           ("other_student", 404), ("other_teacher", 404)])
def test_class_work_is_seen_by_the_class(world, who, expected):
    from eduai import jobs

    job = jobs.start_job(kind=Job.Kind.SCORING, classroom=world["A"], owner=world["people"]["teacher"], enqueue=False)
    assert api_for(world["people"][who]).get(f"/api/v1/jobs/{job.pk}/").status_code == expected


# ---------------------------------------------------------------------------------------- deleting

def test_deleting_an_analysis_removes_the_photo_once_nothing_refers_to_it(world, media_root,
                                                                         django_capture_on_commit_callbacks):
    owner = api_for(world["people"]["owner"])
    analysis = world["analysis"]
    files = {path.relative_to(media_root) for path in media_root.rglob("*") if path.is_file()}
    assert len(files) == 2  # the photo and its heatmap
    with django_capture_on_commit_callbacks(execute=True):  # files go once the deletion is committed
        assert owner.delete(f"/api/v1/analyses/{analysis['id']}/").status_code == 204
    assert not any(path.is_file() for path in media_root.rglob("*"))
    assert owner.get(f"/api/v1/analyses/{analysis['id']}/").status_code == 404


def test_a_shared_photo_stays_in_its_class_when_its_analysis_is_deleted(world, media_root,
                                                                     django_capture_on_commit_callbacks):
    shared = share(world)
    owner = api_for(world["people"]["owner"])
    with django_capture_on_commit_callbacks(execute=True):
        assert owner.delete(f"/api/v1/analyses/{world['analysis']['id']}/").status_code == 204
    classmate = page_for(world["people"]["classmate"])
    assert classmate.get(f"/classes/{world['A'].pk}/labeling/images/{shared['image']}/file/").status_code == 200
    assert [path.parent.name for path in media_root.rglob("*.png")] == []  # the heatmap went with the analysis


def test_the_queue_and_the_analyzer_give_the_same_answer(world, datasets_dir):
    """cat.1000.jpg: more than half of its ImageNet mass is on other things (unusual score 0.55), but
    under the 0.932 threshold, so the analyzer says cat; labeling must say cat too, not "neither"."""
    from labeling import scoring

    owner = api_for(world["people"]["owner"])
    photo = (datasets_dir / "catsdogs" / "cat" / "cat.1000.jpg").read_bytes()
    analysis = owner.post("/api/v1/analyses/", {"image": SimpleUploadedFile("c.jpg", photo)}, format="multipart").json()
    assert analysis["label"] == "cat" and 0.5 < analysis["unusual_score"] < analysis["unusual_threshold"]
    shared = owner.post(f"/api/v1/analyses/{analysis['id']}/share/", {"class": world["A"].pk}, format="json").json()
    answer = scoring.model_answer(world["A"], shared["image"])
    assert answer["answer"] == "cat" and answer["confidence"] == pytest.approx(analysis["probabilities"]["cat"], abs=1e-3)
    assert answer["unusual_score"] == pytest.approx(analysis["unusual_score"], abs=1e-3)
    # the three shares the uncertainty orders rank would have said "neither": they are not the answer
    assert answer["shares"]["neither"] > answer["shares"]["cat"] and answer["probabilities"] == answer["shares"]


def test_the_unusual_filter_shows_a_student_only_what_they_may_see(world, datasets_dir):
    """The model's answer is hidden from a student until they answer, unless the teacher shows it first."""
    from labeling import scoring
    from labeling.models import LabelingSettings

    teacher = api_for(world["people"]["teacher"])
    photo = sorted((datasets_dir / "not-catdog").glob("*.JPEG"))[0].read_bytes()
    image_id = teacher.post(f"/api/v1/classes/{world['A'].pk}/images/", {"files": [SimpleUploadedFile("x.jpg", photo)]},
                            format="multipart").json()["added"][0]["image_id"]
    scoring.score_class(classroom=world["A"])
    url = f"/api/v1/classes/{world['A'].pk}/images/?filter=unusual"
    assert [item["id"] for item in teacher.get(url).json()["results"]] == [image_id]
    student = api_for(world["people"]["classmate"])
    assert student.get(url).json()["results"] == []
    settings = LabelingSettings.of(world["A"])
    settings.suggestion = LabelingSettings.Suggestion.ALWAYS
    settings.save()
    assert [item["id"] for item in student.get(url).json()["results"]] == [image_id]
    settings.suggestion = LabelingSettings.Suggestion.AFTER_ANSWER
    settings.save()
    assert student.get(f"/api/v1/classes/{world['A'].pk}/labeling/next/").json()["image"]["id"] == image_id
    assert student.post(f"/api/v1/classes/{world['A'].pk}/labeling/skip/", {"image": image_id}, format="json").status_code == 204
    assert [item["id"] for item in student.get(url).json()["results"]] == [image_id]  # answered (skipped): now shown
