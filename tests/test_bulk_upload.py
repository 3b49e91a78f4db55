"""Many pictures at once into a class (POST /api/v1/classes/{id}/images/): several files and .zip
archives, each picture through the single-upload checks; a bad one is reported by name and skipped,
a picture already in the class is kept once. The request only stores the pictures: it queues a
scoring job for the new ones, which the worker runs."""
import io
import os
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from classifier.models import StoredImage
from eduai import classes, jobs
from eduai.models import Job
from labeling import services
from labeling.models import ClassImage, ImageScore
from tests import images

MB = 1024 * 1024
# Spanish text as it stands in locale/es/LC_MESSAGES/django.po for the single-upload checks
NOT_AN_IMAGE = {"es": "Este archivo no es una imagen que podamos leer",
                "en": "This file is not an image we can read"}
EMPTY = {"es": "El archivo está vacío.", "en": "The file is empty."}
NONE_USED = {"es": "No se pudo usar ninguno de los archivos.", "en": "None of the files could be used."}


def client_for(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=user)[0].key}")
    return client


@pytest.fixture
def upload(api, classroom):
    """upload((name, bytes), ...): POST them as the `files` field of the class's images, as the
    gallery page does (by the student ana, unless `client` says who)."""
    def upload(*files, client=None, **extra):
        uploads = [SimpleUploadedFile(name, content) for name, content in files]
        return (client or api).post(reverse("api:images", args=[classroom.pk]), {"files": uploads},
                                    format="multipart", **extra)
    return upload


@pytest.fixture
def other_class(make_user, join):
    """Another class, taught by olga, with the student bea in it."""
    other = classes.create_class(name="2º ESO C", teacher=make_user("olga", "teacher"))
    join(make_user("bea"), other)
    return other


def make_zip(members: dict[str, bytes], *, compression=zipfile.ZIP_DEFLATED, folders=()) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        for folder in folders:
            archive.writestr(zipfile.ZipInfo(folder), b"")  # a name ending in "/" is a folder entry
        for name, content in members.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def files_on_disk(media_root) -> list:
    return [path for path in media_root.rglob("*") if path.is_file()]


def names(entries: list[dict]) -> list[str]:
    return [entry["name"] for entry in entries]


def refusals(body: dict) -> list[tuple[str, str]]:
    """(name, code) of each file the upload skipped."""
    return [(entry["name"], entry["code"]) for entry in body["rejected"]]


def name_in_class(classroom, image_id) -> str:
    return ClassImage.objects.get(classroom=classroom, image_id=image_id).original_name


def assert_stored(media_root, classroom, count: int):
    """`count` pictures, each once on disk and once in the class."""
    assert StoredImage.objects.count() == count and len(files_on_disk(media_root)) == count
    assert ClassImage.objects.filter(classroom=classroom).count() == count


def assert_nothing_stored(media_root):
    assert not StoredImage.objects.exists() and not ClassImage.objects.exists()
    assert not Job.objects.exists()  # nothing to score either
    assert files_on_disk(media_root) == []


# ------------------------------------------------------------------------------------- files and zips

def test_several_files_at_once_are_all_stored_in_the_class(upload, classroom, student, media_root):
    response = upload(("a.jpg", images.jpeg(64, 48)), ("b.jpg", images.jpeg(80, 60)), ("c.png", images.rgba_png()))

    assert response.status_code == 201, response.content
    body = response.json()
    assert names(body["added"]) == ["a.jpg", "b.jpg", "c.png"]
    assert body["duplicates"] == [] and body["rejected"] == []
    stored = {image.pk: image for image in StoredImage.objects.all()}
    assert sorted(stored) == sorted(entry["image_id"] for entry in body["added"])
    for entry in body["added"]:
        assert stored[entry["image_id"]].sha256 == entry["sha256"]
        entry_in_class = ClassImage.objects.get(classroom=classroom, image_id=entry["image_id"])
        assert (entry_in_class.original_name, entry_in_class.shared_by) == (entry["name"], student)
    assert_stored(media_root, classroom, 3)


def test_zip_is_expanded_and_each_picture_named_by_its_path_inside(upload, classroom, media_root):
    archive = make_zip({"top.jpg": images.jpeg(64, 48), "sub/name.jpg": images.jpeg(90, 70),
                        "sub/deeper/pic.png": images.palette_png()}, folders=["sub/", "sub/deeper/"])

    response = upload(("archive.zip", archive))

    assert response.status_code == 201, response.content
    body = response.json()
    assert sorted(names(body["added"])) == [
        "archive.zip/sub/deeper/pic.png", "archive.zip/sub/name.jpg", "archive.zip/top.jpg"]
    assert body["rejected"] == []  # the folder entries are not files, so not reported
    by_id = {entry["name"]: entry["image_id"] for entry in body["added"]}
    assert name_in_class(classroom, by_id["archive.zip/sub/name.jpg"]) == "name.jpg"
    assert_stored(media_root, classroom, 3)


def test_zip_and_loose_files_in_one_request(upload, classroom, media_root):
    archive = make_zip({"gato.jpg": images.jpeg(51, 50)})

    response = upload(("loose.jpg", images.jpeg(50, 50)), ("Fotos.ZIP", archive))

    assert response.status_code == 201, response.content
    assert names(response.json()["added"]) == ["loose.jpg", "Fotos.ZIP/gato.jpg"]
    assert_stored(media_root, classroom, 2)


# ------------------------------------------------------------------------------------------- bad files

BAD_FILES = {
    "not an image": ("notes.jpg", images.TEXT, "unsupported_type"),
    "truncated jpeg": ("cut.jpg", images.truncated_jpeg(), "corrupt_image"),
    "empty file": ("empty.jpg", b"", "empty_file"),
}


@pytest.mark.parametrize("case", BAD_FILES, ids=list(BAD_FILES))
def test_bad_file_in_a_batch_is_reported_by_name_and_the_rest_are_kept(upload, classroom, media_root, case):
    name, content, code = BAD_FILES[case]

    response = upload(("good-1.jpg", images.jpeg(64, 48)), (name, content), ("good-2.jpg", images.jpeg(65, 48)))

    assert response.status_code == 201, response.content
    body = response.json()
    assert names(body["added"]) == ["good-1.jpg", "good-2.jpg"]
    assert refusals(body) == [(name, code)]
    assert body["rejected"][0]["detail"]
    assert_stored(media_root, classroom, 2)
    assert not ClassImage.objects.filter(original_name=name).exists()


@pytest.mark.parametrize("case", BAD_FILES, ids=list(BAD_FILES))
def test_bad_picture_inside_a_zip_is_reported_by_its_path_and_the_rest_are_kept(upload, classroom, media_root, case):
    name, content, code = BAD_FILES[case]
    archive = make_zip({"ok.jpg": images.jpeg(64, 48), f"sub/{name}": content})

    response = upload(("archive.zip", archive))

    assert response.status_code == 201, response.content
    body = response.json()
    assert names(body["added"]) == ["archive.zip/ok.jpg"]
    assert refusals(body) == [(f"archive.zip/sub/{name}", code)]
    assert_stored(media_root, classroom, 1)


# ------------------------------------------------------------------------------------------ duplicates

def test_same_picture_twice_in_one_batch_is_stored_once(upload, classroom, media_root):
    picture = images.jpeg(64, 48)

    response = upload(("first.jpg", picture), ("copy.jpg", picture), ("other.jpg", images.jpeg(70, 48)))

    assert response.status_code == 201, response.content
    body = response.json()
    assert names(body["added"]) == ["first.jpg", "other.jpg"]
    assert names(body["duplicates"]) == ["copy.jpg"]
    assert body["duplicates"][0]["image_id"] == body["added"][0]["image_id"]
    assert name_in_class(classroom, body["added"][0]["image_id"]) == "first.jpg"  # the first name is kept
    assert_stored(media_root, classroom, 2)


def test_picture_uploaded_into_the_class_again_later_is_a_duplicate_and_nothing_is_queued(
    upload, classroom, media_root
):
    picture = images.jpeg(64, 48)
    first = upload(("gato.jpg", picture)).json()

    response = upload(("gato-otra-vez.jpg", picture), ("zip.zip", make_zip({"sub/gato.jpg": picture})))

    assert response.status_code == 201, response.content  # nothing new, but nothing wrong either
    body = response.json()
    assert body["added"] == [] and body["rejected"] == []
    assert names(body["duplicates"]) == ["gato-otra-vez.jpg", "zip.zip/sub/gato.jpg"]
    assert {entry["image_id"] for entry in body["duplicates"]} == {first["added"][0]["image_id"]}
    assert body["scoring_job"] is None  # nothing new to score
    assert list(Job.objects.values_list("pk", flat=True)) == [first["scoring_job"]]
    assert name_in_class(classroom, first["added"][0]["image_id"]) == "gato.jpg"
    assert_stored(media_root, classroom, 1)


def test_picture_already_in_another_class_joins_this_class_without_a_second_file(
    upload, classroom, other_class, media_root
):
    picture = images.jpeg(64, 48)
    theirs = services.import_image(classroom=other_class, content=picture, name="de-olga.jpg", value=None).image

    response = upload(("mi-gato.jpg", picture))

    assert response.status_code == 201, response.content
    body = response.json()
    assert [(entry["name"], entry["image_id"]) for entry in body["added"]] == [("mi-gato.jpg", theirs.pk)]
    assert body["duplicates"] == []
    assert Job.objects.get(pk=body["scoring_job"]).params == {"images": [theirs.pk]}  # new to this class
    assert StoredImage.objects.count() == 1 and len(files_on_disk(media_root)) == 1
    # each class keeps the name it was given there
    assert (name_in_class(classroom, theirs.pk), name_in_class(other_class, theirs.pk)) == ("mi-gato.jpg", "de-olga.jpg")


# ------------------------------------------------------------------------------------- archive trouble

def test_archive_clutter_is_ignored(upload, classroom, media_root):
    archive = make_zip({
        "cat.jpg": images.jpeg(64, 48),
        "__MACOSX/._cat.jpg": b"\x00\x05\x16\x07 resource fork",
        "__MACOSX/sub/._dog.jpg": b"\x00\x05\x16\x07",
        ".DS_Store": b"Bud1\x00\x00",
        "sub/.DS_Store": b"Bud1\x00\x00",
        "sub/Thumbs.db": b"\xd0\xcf\x11\xe0",
        "sub/dog.jpg": images.jpeg(80, 48),
    }, folders=["sub/", "__MACOSX/", "empty-folder/"])

    response = upload(("mac.zip", archive))

    assert response.status_code == 201, response.content
    body = response.json()
    assert sorted(names(body["added"])) == ["mac.zip/cat.jpg", "mac.zip/sub/dog.jpg"]
    assert body["rejected"] == [] and body["duplicates"] == []
    assert_stored(media_root, classroom, 2)


def _truncated_zip() -> bytes:
    whole = make_zip({"a.jpg": images.jpeg(64, 48), "b.jpg": images.jpeg(65, 48)})
    return whole[: len(whole) // 2]  # the central directory at the end is gone


DAMAGED_ZIPS = {"not a zip at all": images.TEXT, "cut in half": _truncated_zip()}


@pytest.mark.parametrize("case", DAMAGED_ZIPS, ids=list(DAMAGED_ZIPS))
def test_damaged_zip_is_reported_and_leaves_nothing(upload, media_root, case):
    response = upload(("archive.zip", DAMAGED_ZIPS[case]))

    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "no_images_accepted"
    assert refusals(body) == [("archive.zip", "bad_zip")]
    assert_nothing_stored(media_root)


def test_damaged_zip_next_to_good_files_does_not_stop_them(upload, classroom, media_root):
    response = upload(("bad.zip", _truncated_zip()), ("good.jpg", images.jpeg(64, 48)))

    assert response.status_code == 201, response.content
    body = response.json()
    assert names(body["added"]) == ["good.jpg"]
    assert refusals(body) == [("bad.zip", "bad_zip")]
    assert_stored(media_root, classroom, 1)


def _zip_with_corrupt_deflate_data() -> bytes:
    """A readable directory, but the compressed bytes of its second member are garbage."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("ok.jpg", images.jpeg(64, 48))
        archive.writestr("broken.jpg", images.jpeg(300, 200))
    data = bytearray(buffer.getvalue())
    member = zipfile.ZipFile(io.BytesIO(bytes(data))).getinfo("broken.jpg")
    start = member.header_offset + 30 + len(member.filename)  # past the fixed local header and the name
    for i in range(start + 10, start + 60):
        data[i] ^= 0xFF
    return bytes(data)


def test_damaged_member_inside_a_zip_is_reported_and_the_rest_are_kept(upload, classroom, media_root):
    response = upload(("archive.zip", _zip_with_corrupt_deflate_data()))

    assert response.status_code == 201, response.content
    body = response.json()
    assert names(body["added"]) == ["archive.zip/ok.jpg"]
    assert refusals(body) == [("archive.zip/broken.jpg", "bad_zip")]
    assert_stored(media_root, classroom, 1)


# ------------------------------------------------------------------------------------------------ limits

def test_zip_with_too_many_files_is_refused_whole(upload, media_root, settings):
    settings.EDUAI_MAX_ZIP_FILES = 2
    archive = make_zip({f"sub/{i}.jpg": images.jpeg(60 + i, 48) for i in range(3)})

    response = upload(("many.zip", archive), HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "no_images_accepted"
    assert refusals(body) == [("many.zip", "zip_too_large")]
    assert "2 files" in body["rejected"][0]["detail"]
    assert_nothing_stored(media_root)


def test_zip_that_unpacks_to_more_than_the_limit_is_refused_whole(upload, media_root, settings):
    settings.EDUAI_MAX_ZIP_BYTES = 1 * MB
    # zeros compress to almost nothing: the archive is small, its contents are not
    half = b"\0" * (MB // 2 + 1)
    archive = make_zip({"ok.jpg": images.jpeg(64, 48), "a.bmp": half, "b.bmp": half})
    assert len(archive) < MB // 10

    response = upload(("bomb.zip", archive))

    assert response.status_code == 400
    assert refusals(response.json()) == [("bomb.zip", "zip_too_large")]
    assert_nothing_stored(media_root)


def test_zip_file_itself_over_the_limit_is_refused(upload, media_root, settings):
    settings.EDUAI_MAX_ZIP_BYTES = 1 * MB
    archive = make_zip({"ok.jpg": images.jpeg(64, 48), "noise.bin": os.urandom(MB + 1)},
                       compression=zipfile.ZIP_STORED)

    response = upload(("big.zip", archive))

    assert response.status_code == 400
    assert refusals(response.json()) == [("big.zip", "file_too_large")]
    assert_nothing_stored(media_root)


def test_zip_member_over_the_upload_limit_is_skipped_and_the_rest_are_kept(upload, classroom, media_root, settings):
    settings.EDUAI_MAX_UPLOAD_BYTES = 1 * MB
    huge = b"\xff\xd8\xff\xe0" + b"\0" * (MB + MB // 2)  # a JPEG start, then zeros: tiny once deflated
    archive = make_zip({"ok.jpg": images.jpeg(64, 48), "sub/huge.jpg": huge})

    response = upload(("archive.zip", archive))

    assert response.status_code == 201, response.content
    body = response.json()
    assert names(body["added"]) == ["archive.zip/ok.jpg"]
    assert refusals(body) == [("archive.zip/sub/huge.jpg", "file_too_large")]
    assert_stored(media_root, classroom, 1)


def test_zip_whose_only_member_is_over_the_upload_limit_stores_nothing(upload, media_root, settings):
    settings.EDUAI_MAX_UPLOAD_BYTES = 1 * MB
    archive = make_zip({"huge.jpg": b"\xff\xd8\xff\xe0" + b"\0" * (2 * MB)})

    response = upload(("archive.zip", archive))

    assert response.status_code == 400
    assert refusals(response.json()) == [("archive.zip/huge.jpg", "file_too_large")]
    assert_nothing_stored(media_root)


# ------------------------------------------------------------------------------- nothing usable at all

@pytest.mark.parametrize("headers, language", [
    ({}, "es"), ({"HTTP_ACCEPT_LANGUAGE": "es"}, "es"), ({"HTTP_ACCEPT_LANGUAGE": "en"}, "en"),
], ids=["default", "es", "en"])
def test_when_every_file_is_bad_the_answer_is_400_in_the_users_language_and_nothing_is_stored(
    upload, media_root, headers, language
):
    response = upload(("notas.txt", images.TEXT), ("vacia.jpg", b""), ("página.jpg", images.HTML), **headers)

    assert response.status_code == 400
    body = response.json()
    assert set(body) == {"code", "detail", "rejected"}
    assert body["code"] == "no_images_accepted"
    assert refusals(body) == [
        ("notas.txt", "unsupported_type"), ("vacia.jpg", "empty_file"), ("página.jpg", "unsupported_type")]
    assert body["detail"].startswith(NONE_USED[language])
    assert "notas.txt" in body["detail"] and NOT_AN_IMAGE[language] in body["detail"]
    assert NOT_AN_IMAGE[language] in body["rejected"][0]["detail"]
    assert body["rejected"][1]["detail"] == EMPTY[language]
    assert_nothing_stored(media_root)


@pytest.mark.parametrize("language, text", [("es", "vacía"), ("en", "empty")])
def test_request_without_files_is_a_400(api, classroom, media_root, language, text):
    response = api.post(reverse("api:images", args=[classroom.pk]), {}, format="multipart",
                        HTTP_ACCEPT_LANGUAGE=language)

    assert response.status_code == 400
    body = response.json()
    assert body["field"] == "files" and text in body["detail"]
    assert_nothing_stored(media_root)


def test_files_sent_under_another_field_name_are_not_taken(api, classroom, media_root):
    response = api.post(reverse("api:images", args=[classroom.pk]),
                        {"file": SimpleUploadedFile("a.jpg", images.jpeg())}, format="multipart")

    assert response.status_code == 400
    assert response.json()["field"] == "files"
    assert_nothing_stored(media_root)


# --------------------------------------------------------------------------------- who may upload

def test_a_student_of_another_class_gets_404_and_nothing_is_stored(upload, classroom, other_class, media_root):
    bea = client_for(other_class.memberships.get(role="student").user)

    response = upload(("a.jpg", images.jpeg(64, 48)), client=bea)

    assert response.status_code == 404 and response.json()["code"] == "not_found"
    assert bea.get(reverse("api:images", args=[classroom.pk])).status_code == 404
    assert_nothing_stored(media_root)


def test_someone_not_logged_in_cannot_upload(classroom, media_root):
    response = APIClient().post(reverse("api:images", args=[classroom.pk]),
                                {"files": [SimpleUploadedFile("a.jpg", images.jpeg())]}, format="multipart")

    assert response.status_code in (401, 403)
    assert_nothing_stored(media_root)


def test_students_never_see_the_file_names_in_the_gallery_and_teachers_do(upload, api, classroom, student, teacher):
    body = upload(("secreto-de-ana.jpg", images.jpeg(64, 48)),
                  ("fotos.zip", make_zip({"sub/perro-del-vecino.png": images.rgba_png()}))).json()
    ids = sorted(entry["image_id"] for entry in body["added"])
    tere = client_for(teacher)

    student_rows = _gallery(api, classroom)  # ana uploaded them, and still does not see the names
    teacher_rows = _gallery(tere, classroom)

    assert sorted(student_rows) == sorted(teacher_rows) == ids
    assert set(student_rows.values()) == {""}
    assert sorted(teacher_rows.values()) == ["perro-del-vecino.png", "secreto-de-ana.jpg"]
    for pk in ids:  # the picture's own view says the same
        detail = reverse("api:image-detail", args=[classroom.pk, pk])
        assert api.get(detail).json()["original_name"] == ""
        assert tere.get(detail).json()["original_name"] == teacher_rows[pk]
    pages = {}  # and so does the gallery page
    for who in (student, teacher):
        browser = Client()
        browser.force_login(who)
        pages[who.username] = browser.get(reverse("labeling:gallery", args=[classroom.pk])).content.decode()
    assert "secreto-de-ana" not in pages["ana"] and "perro-del-vecino" not in pages["ana"]
    assert "secreto-de-ana" in pages["tere"] and "perro-del-vecino" in pages["tere"]


def _gallery(client, classroom) -> dict[int, str]:
    """{picture id: original_name} of every picture the class's gallery lists."""
    response = client.get(reverse("api:images", args=[classroom.pk]))
    assert response.status_code == 200, response.content
    return {row["id"]: row["original_name"] for row in response.json()["results"]}


# ------------------------------------------------------------------------------------------- scoring

def test_the_request_only_stores_and_queues_one_scoring_job_for_exactly_the_new_pictures(
    upload, classroom, student, active_model
):
    already = upload(("ya-estaba.jpg", images.jpeg(90, 48))).json()["added"][0]["image_id"]
    archive = make_zip({"sub/b.png": images.rgba_png()})

    response = upload(("a.jpg", images.jpeg(64, 48)), ("copia.jpg", images.jpeg(90, 48)), ("pics.zip", archive))

    assert response.status_code == 201, response.content
    body = response.json()
    new_ids = [entry["image_id"] for entry in body["added"]]
    assert len(new_ids) == 2 and already not in new_ids
    assert [(entry["name"], entry["image_id"]) for entry in body["duplicates"]] == [("copia.jpg", already)]
    assert not ImageScore.objects.exists()  # nothing was scored while the request ran
    job = Job.objects.get(pk=body["scoring_job"])
    assert (job.kind, job.classroom, job.owner, job.status) == (Job.Kind.SCORING, classroom, student, Job.Status.QUEUED)
    assert job.params == {"images": new_ids}
    polled = client_for(student).get(reverse("api:job-detail", args=[job.pk]))
    assert polled.status_code == 200 and polled.json()["status"] == "queued"

    finished = jobs.execute(job.pk, worker="test-worker")

    assert finished.status == Job.Status.SUCCEEDED and finished.result["scored"] == 2
    scores = ImageScore.objects.filter(model_version=active_model)
    assert sorted(score.image_id for score in scores) == sorted(new_ids)  # not the one already in the class
    for score in scores:
        assert set(score.probabilities) == {"cat", "dog", "neither"}
        assert sum(score.probabilities.values()) == pytest.approx(1, abs=1e-4)
        assert len(score.embedding) > 0


def test_without_an_active_model_pictures_are_stored_and_the_job_scores_nothing(upload, classroom, media_root):
    response = upload(("a.jpg", images.jpeg(64, 48)))

    assert response.status_code == 201, response.content
    assert_stored(media_root, classroom, 1)
    finished = jobs.execute(response.json()["scoring_job"], worker="test-worker")
    assert finished.status == Job.Status.SUCCEEDED and finished.result["scored"] == 0
    assert not ImageScore.objects.exists()
