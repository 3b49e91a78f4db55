"""labeling/transfer.py, the class's export and import API and manage.py export_labels / import_labels:
a class's labels out as CSV or JSON and back in, into that class only."""
import csv
import io
import json
from datetime import UTC, datetime, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from django.utils import translation
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from eduai import classes
from eduai.errors import AppError
from labeling import selectors, services, transfer
from labeling.models import DATASET_LABELER, Adjudication, GoldImage, Label
from tests import images

HEADER = "sha256,file_name,label,labeler,strategy,timestamp,consensus"
UNKNOWN_SHA = "a" * 64


@pytest.fixture
def people(make_user):
    return {name: make_user(name, role) for name, role in
            (("teresa", "teacher"), ("ana", "student"), ("ben", "student"))}


@pytest.fixture
def room(people, join):
    """Teresa's class, with ana and ben in it."""
    room = classes.create_class(name="1º Bach A", teacher=people["teresa"])
    join(people["ana"], room)
    join(people["ben"], room)
    return room


@pytest.fixture
def other_room(make_user):
    """Another class, taught by olga, with nothing in it yet."""
    return classes.create_class(name="2º ESO C", teacher=make_user("olga", "teacher"))


def stored(room, content, name, value=None):
    return services.import_image(classroom=room, content=content, name=name, value=value).image


@pytest.fixture
def pictures(room, people):
    """Pictures of the class in every state: consensus, adjudicated, gold, dataset label, unlabelled."""
    agreed, disputed = stored(room, images.jpeg(64, 48), "agreed.jpg"), stored(room, images.jpeg(50, 40), "disputed.jpg")
    gold = stored(room, images.rgba_png(), "gold.png")
    votes = {agreed: ("cat", "cat"), disputed: ("cat", "dog"), gold: ("cat", "cat")}
    for image, (by_ana, by_ben) in votes.items():
        services.label_image(classroom=room, user=people["ana"], image=image, value=by_ana, strategy="random")
        services.label_image(classroom=room, user=people["ben"], image=image, value=by_ben, strategy="margin")
    services.adjudicate(classroom=room, image=disputed, teacher=people["teresa"], value="dog")
    services.mark_gold(classroom=room, image=gold, teacher=people["teresa"], value="neither")
    folder = stored(room, images.palette_png(), "from-folder.png", value="dog")
    stored(room, images.greyscale_jpeg(), "unlabelled.jpg")
    return {"agreed": agreed, "disputed": disputed, "gold": gold, "folder": folder}


def client_for(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=user)[0].key}")
    return client


def wipe_labels(room):
    Label.objects.filter(classroom=room).delete()
    Adjudication.objects.filter(classroom=room).delete()
    GoldImage.objects.filter(classroom=room).delete()


def everything(room) -> list[dict]:
    return transfer.export_rows(classroom=room, include_gold=True)


def rows_of(rows, image, strategy=None):
    return [row for row in rows if row["sha256"] == image.sha256 and strategy in (None, row["strategy"])]


def csv_file(*rows: dict) -> bytes:
    return transfer.to_csv(list(rows)).encode()


def good_row(**changes) -> dict:
    return {"sha256": UNKNOWN_SHA, "file_name": "x.jpg", "label": "cat", "labeler": "zoe", "strategy": "random",
            "timestamp": "2024-05-01T10:00:00.000000Z", "consensus": "", **changes}


def refusal(content: bytes, name: str = "labels.csv") -> AppError:
    with translation.override("en"), pytest.raises(AppError) as caught:
        transfer.parse(content, file_name=name)
    return caught.value


def post_import(client, room, content: bytes, name: str = "labels.csv", **extra):
    return client.post(reverse("api:labeling-import", args=[room.pk]),
                       {"file": SimpleUploadedFile(name, content)}, format="multipart", **extra)


# -------------------------------------------------------------------------------------------- export

def test_csv_header_has_the_columns_in_order_and_utc_timestamps(room, pictures):
    text = transfer.to_csv(everything(room))
    assert text.splitlines()[0] == HEADER
    rows = list(csv.DictReader(io.StringIO(text)))
    assert rows
    for row in rows:
        assert row["timestamp"].endswith("Z")
        assert datetime.fromisoformat(row["timestamp"]).utcoffset().total_seconds() == 0


def test_rows_are_sorted_by_image_then_time(room, pictures):
    rows = everything(room)
    assert rows == sorted(rows, key=lambda row: (row["sha256"], row["timestamp"], row["labeler"]))
    assert len(rows) == 6 + 1 + 1 + 1  # votes, adjudication, gold, dataset label


def test_gold_answers_are_exported_only_when_asked(room, pictures):
    hidden = transfer.export_rows(classroom=room, include_gold=False)
    assert not [row for row in hidden if row["strategy"] == "gold"]
    # without gold, the gold image's consensus is what its votes say, so students cannot read the answer
    assert {row["consensus"] for row in rows_of(hidden, pictures["gold"])} == {"cat"}

    shown = everything(room)
    gold_row, = rows_of(shown, pictures["gold"], "gold")
    assert (gold_row["label"], gold_row["labeler"], gold_row["file_name"]) == ("neither", "teresa", "gold.png")
    assert {row["consensus"] for row in rows_of(shown, pictures["gold"])} == {"neither"}


def test_adjudication_row_names_the_deciding_teacher(room, pictures):
    rows = transfer.export_rows(classroom=room, include_gold=False)
    adjudication, = rows_of(rows, pictures["disputed"], "adjudication")
    assert (adjudication["label"], adjudication["labeler"]) == ("dog", "teresa")
    assert {row["consensus"] for row in rows_of(rows, pictures["disputed"])} == {"dog"}


def test_consensus_column_is_the_settled_label(room, pictures):
    states = selectors.image_states(classroom=room)
    rows = everything(room)
    stored_ids = {image.sha256: image.pk for image in pictures.values()}
    for row in rows:
        assert row["consensus"] == (states[stored_ids[row["sha256"]]].final or "")
    folder_row, = rows_of(rows, pictures["folder"])
    assert (folder_row["labeler"], folder_row["strategy"], folder_row["consensus"]) == (DATASET_LABELER, "dataset", "dog")


def test_json_export_is_an_object_with_format_version_and_rows(room, pictures):
    data = json.loads(transfer.to_json(transfer.export_rows(classroom=room, include_gold=False)))
    assert (data["format"], data["version"]) == ("eduai-labels", 1)
    assert list(data["labels"][0]) == HEADER.split(",")


def test_csv_cells_a_spreadsheet_would_run_are_quoted_and_read_back(room, people):
    image = stored(room, images.jpeg(), "=HYPERLINK(1).jpg")
    services.label_image(classroom=room, user=people["ana"], image=image, value="cat", strategy="random")
    rows = transfer.export_rows(classroom=room, include_gold=False)
    assert rows[0]["file_name"] == "=HYPERLINK(1).jpg"
    assert "'=HYPERLINK(1).jpg" in transfer.to_csv(rows)
    assert transfer.parse(transfer.to_csv(rows).encode(), file_name="labels.csv") == rows


def test_export_holds_only_the_class_it_is_asked_for(room, pictures, other_room):
    elsewhere = stored(other_room, images.cmyk_jpeg(), "de-otra-clase.jpg", value="cat")
    shared = stored(other_room, images.jpeg(64, 48), "agreed-there.jpg", value="neither")  # also in `room`
    assert shared == pictures["agreed"]

    rows = everything(room)

    assert elsewhere.sha256 not in {row["sha256"] for row in rows}
    assert not [row for row in rows if row["labeler"] == DATASET_LABELER and row["sha256"] == shared.sha256]
    assert {row["file_name"] for row in rows_of(rows, shared)} == {"agreed.jpg"}  # this class's name for it
    theirs = everything(other_room)
    assert [(row["sha256"], row["file_name"]) for row in theirs] == sorted(
        [(elsewhere.sha256, "de-otra-clase.jpg"), (shared.sha256, "agreed-there.jpg")])


def test_a_students_export_holds_only_their_own_labels_without_consensus_names_or_decisions(room, pictures, people):
    rows = transfer.export_rows(classroom=room, include_gold=False, only_user=people["ana"])

    assert len(rows) == 3 and {row["labeler"] for row in rows} == {"ana"}
    assert {row["strategy"] for row in rows} == {"random"}  # no adjudication, gold or dataset rows
    assert {row["consensus"] for row in rows} == {""} and {row["file_name"] for row in rows} == {""}
    assert sorted(row["sha256"] for row in rows) == sorted(
        pictures[name].sha256 for name in ("agreed", "disputed", "gold"))


@pytest.mark.parametrize("file_format", ["csv", "json"])
def test_export_api_gives_teachers_everything_and_students_their_own_labels(room, pictures, people, file_format):
    url = reverse("api:labeling-export", args=[room.pk, file_format])

    def download(user) -> list[dict]:
        response = client_for(user).get(url)
        assert response.status_code == 200, response.content
        assert response["Content-Disposition"] == f'attachment; filename="eduai-labels.{file_format}"'
        return transfer.parse(response.content, file_name=f"eduai-labels.{file_format}")

    assert download(people["teresa"]) == everything(room)
    ana = download(people["ana"])
    assert len(ana) == 3 and {row["labeler"] for row in ana} == {"ana"}
    assert not {"adjudication", "gold", "dataset"} & {row["strategy"] for row in ana}
    assert {row["consensus"] for row in ana} == {""} and {row["file_name"] for row in ana} == {""}
    assert b"gold.png" not in client_for(people["ana"]).get(url).content


def test_export_api_is_404_outside_the_class(room, pictures, other_room):
    olga = client_for(other_room.memberships.get().user)
    response = olga.get(reverse("api:labeling-export", args=[room.pk, "csv"]))
    assert response.status_code == 404 and response.json()["code"] == "not_found"


# ------------------------------------------------------------------------------------- round trips

@pytest.mark.parametrize("write, name", [(transfer.to_csv, "labels.csv"), (transfer.to_json, "labels.json")])
def test_round_trip_restores_identical_rows(room, pictures, people, write, name):
    before = everything(room)
    content = write(before).encode()
    wipe_labels(room)

    report = transfer.import_rows(transfer.parse(content, file_name=name), classroom=room, teacher=people["teresa"])

    assert everything(room) == before
    assert report == transfer.ImportReport(created=7, adjudications=1, gold=1)
    assert Label.objects.get(labeler="ana", image=pictures["agreed"]).user == people["ana"]
    assert Label.objects.get(labeler=DATASET_LABELER).user is None


def test_format_is_recognised_from_content_when_the_name_does_not_say(room, pictures):
    rows = everything(room)
    assert transfer.parse(transfer.to_json(rows).encode(), file_name="download") == rows
    assert transfer.parse(transfer.to_csv(rows).encode(), file_name="download.txt") == rows


def test_notebook_files_with_a_bare_list_and_naive_times_are_read(db):
    content = json.dumps([good_row(timestamp="2024-05-01 10:00:00", consensus=None)]).encode()
    row, = transfer.parse(content, file_name="from-pandas.json")
    assert (row["timestamp"], row["consensus"]) == ("2024-05-01T10:00:00.000000Z", "")


# ------------------------------------------------------------------------------------------- import

def test_import_skips_unknown_images_and_labels_already_here(room, pictures, people):
    rows = everything(room)
    Label.objects.filter(labeler="ana").delete()
    extra = transfer.parse(csv_file(good_row()), file_name="extra.csv")

    report = transfer.import_rows(rows + extra, classroom=room, teacher=people["teresa"])

    assert report == transfer.ImportReport(created=3, duplicates=len(rows) - 3, unknown_images=1)
    assert Label.objects.filter(labeler="ana").count() == 3


def test_existing_labels_are_never_overwritten(room, pictures, people):
    row = rows_of(transfer.export_rows(classroom=room, include_gold=False), pictures["agreed"])[0]
    changed = transfer.parse(csv_file({**row, "label": "dog"}), file_name="changed.csv")
    assert transfer.import_rows(changed, classroom=room, teacher=people["teresa"]).duplicates == 1
    assert Label.objects.get(image=pictures["agreed"], labeler=row["labeler"]).value == "cat"


def test_importing_twice_creates_nothing_the_second_time(room, pictures, people):
    rows = everything(room)
    wipe_labels(room)
    transfer.import_rows(rows, classroom=room, teacher=people["teresa"])
    counts = Label.objects.count(), Adjudication.objects.count(), GoldImage.objects.count()

    again = transfer.import_rows(rows, classroom=room, teacher=people["teresa"])

    assert again == transfer.ImportReport(duplicates=len(rows))
    assert (Label.objects.count(), Adjudication.objects.count(), GoldImage.objects.count()) == counts


def test_votes_of_people_not_here_keep_their_name_and_time(room, pictures, people):
    row = good_row(sha256=pictures["agreed"].sha256, labeler="zoe", timestamp="2023-01-02T03:04:05.000006+00:00")
    transfer.import_rows(transfer.parse(csv_file(row), file_name="zoe.csv"), classroom=room, teacher=people["teresa"])
    label = Label.objects.get(labeler="zoe")
    assert (label.user, label.classroom) == (None, room)
    assert label.created_at == datetime(2023, 1, 2, 3, 4, 5, 6, tzinfo=UTC)


def test_imported_adjudication_is_the_importing_teachers(room, pictures, people, make_user, join):
    other = make_user("olga", "teacher")
    join(other, room, role="teacher")
    rows = rows_of(transfer.export_rows(classroom=room, include_gold=False), pictures["disputed"], "adjudication")
    wipe_labels(room)
    transfer.import_rows(rows, classroom=room, teacher=other)
    assert Adjudication.objects.get().decided_by == other


def test_consensus_that_differs_here_is_counted_not_changed(room, pictures, people):
    agreed = rows_of(transfer.export_rows(classroom=room, include_gold=False), pictures["agreed"])
    says_dog = [{**row, "consensus": "dog"} for row in agreed]
    report = transfer.import_rows(says_dog, classroom=room, teacher=people["teresa"])
    assert report.consensus_differs == 1
    assert selectors.image_states(classroom=room)[pictures["agreed"].pk].final == "cat"


def test_imported_adjudication_explains_a_different_consensus(room, pictures, people):
    disputed = rows_of(transfer.export_rows(classroom=room, include_gold=False), pictures["disputed"])
    Adjudication.objects.all().delete()
    flipped = [{**row, "label": "neither" if row["strategy"] == "adjudication" else row["label"],
                "consensus": "neither"} for row in disputed]
    report = transfer.import_rows(flipped, classroom=room, teacher=people["teresa"])
    assert (report.adjudications, report.consensus_differs) == (1, 0)


def test_an_import_only_touches_the_class_it_is_sent_to(room, pictures, people, other_room):
    """Olga's class has one of the pictures: its rows land there, the others are unknown to it, and
    Teresa's class is left as it was."""
    olga = other_room.memberships.get().user
    shared = stored(other_room, images.jpeg(64, 48), "mismo-gato.jpg")
    assert shared == pictures["agreed"]
    before = everything(room)

    report = transfer.import_rows(before, classroom=other_room, teacher=olga)

    # the two votes on the shared picture; the disputed, gold and folder pictures are not in that class
    assert report == transfer.ImportReport(created=2, unknown_images=3)
    assert everything(room) == before
    theirs = everything(other_room)
    assert {row["sha256"] for row in theirs} == {shared.sha256}
    assert sorted(row["labeler"] for row in theirs) == ["ana", "ben"]
    assert {row["consensus"] for row in theirs} == {"cat"} and {row["file_name"] for row in theirs} == {"mismo-gato.jpg"}
    assert not Adjudication.objects.filter(classroom=other_room).exists()
    assert not GoldImage.objects.filter(classroom=other_room).exists()


def test_a_picture_stored_here_but_not_in_the_class_counts_as_unknown(room, pictures, people, other_room):
    elsewhere = stored(other_room, images.cmyk_jpeg(), "solo-en-otra.jpg")
    row = good_row(sha256=elsewhere.sha256, labeler="zoe")

    report = transfer.import_rows(transfer.parse(csv_file(row), file_name="x.csv"), classroom=room,
                                  teacher=people["teresa"])

    assert report == transfer.ImportReport(unknown_images=1)
    assert not Label.objects.filter(labeler="zoe").exists()


def test_import_api_adds_to_the_class_and_reports(room, pictures, people):
    content = csv_file(*everything(room))
    wipe_labels(room)

    response = post_import(client_for(people["teresa"]), room, content)

    assert response.status_code == 200, response.content
    assert response.json() == {"created": 7, "duplicates": 0, "unknown_images": 0, "adjudications": 1, "gold": 1,
                               "consensus_differs": 0}
    assert Adjudication.objects.get(classroom=room).decided_by == people["teresa"]


def test_import_api_is_for_the_class_teachers(room, pictures, people, other_room):
    content = csv_file(good_row(sha256=pictures["agreed"].sha256))
    student = post_import(client_for(people["ana"]), room, content)
    outsider = post_import(client_for(other_room.memberships.get().user), room, content)
    assert (student.status_code, outsider.status_code) == (403, 404)
    assert not Label.objects.filter(labeler="zoe").exists()


# -------------------------------------------------------------------------------------- bad files

@pytest.mark.parametrize("changes, fragment", [
    ({"sha256": "abc"}, "sha256"),
    ({"label": "cow"}, "“cow”"),
    ({"strategy": "guess"}, "“guess”"),
    ({"timestamp": "yesterday"}, "“yesterday”"),
    ({"labeler": ""}, "labeler is missing"),
    ({"labeler": "x" * 151}, "150"),
    ({"labeler": DATASET_LABELER}, "dataset"),
    ({"consensus": "maybe"}, "“maybe”"),
])
def test_one_bad_row_refuses_the_whole_file_and_names_the_row(room, pictures, changes, fragment):
    content = csv_file(good_row(sha256=pictures["agreed"].sha256, labeler="zoe"),
                       good_row(**{"sha256": pictures["agreed"].sha256, "labeler": "yan", **changes}))
    error = refusal(content)
    assert error.code == "invalid_rows"
    assert "Row 3" in error.detail and fragment in error.detail  # the header is row 1
    assert not Label.objects.filter(labeler__in=("zoe", "yan")).exists()


IMPOSSIBLE_TIMES = {
    "year 1": "0001-01-01T00:00:00",
    "year 1 in UTC": "0001-01-01T00:00:00Z",
    "year 1 behind UTC": "0001-01-01T00:00:00-05:00",  # still year 1 in UTC
    "year 1 ahead of UTC": "0001-01-01T00:00:00+05:00",  # year 0 in UTC: before the calendar starts
    "year 9999": "9999-12-31T23:59:59.999999",
    "year 9999 ahead of UTC": "9999-12-31T23:00:00+05:00",  # still year 9999 in UTC
    "year 9999 behind UTC": "9999-12-31T23:00:00-05:00",  # year 10000 in UTC: after the calendar ends
    "before 1970": "1969-12-31T23:59:59Z",
    "next month": (datetime.now(UTC) + timedelta(days=30)).isoformat(),
    "in 3 days": (datetime.now(UTC) + timedelta(days=3)).strftime("%Y-%m-%d %H:%M:%S"),
}


@pytest.mark.parametrize("case", IMPOSSIBLE_TIMES, ids=list(IMPOSSIBLE_TIMES))
def test_times_before_1970_or_in_the_future_are_row_problems_with_a_clear_message(room, pictures, case):
    moment = IMPOSSIBLE_TIMES[case]
    error = refusal(csv_file(good_row(sha256=pictures["agreed"].sha256), good_row(timestamp=moment)))
    assert error.code == "invalid_rows"
    assert error.extra["problems"] == [f"Row 3: “{moment}” is not an ISO 8601 time between 1970 and today."]
    json_error = refusal(json.dumps([good_row(timestamp=moment)]).encode(), "labels.json")
    assert json_error.extra["problems"] == [f"Row 1: “{moment}” is not an ISO 8601 time between 1970 and today."]


@pytest.mark.parametrize("case", IMPOSSIBLE_TIMES, ids=list(IMPOSSIBLE_TIMES))
@pytest.mark.parametrize("file_format", ["csv", "json"])
def test_import_api_refuses_impossible_times_with_a_400_and_imports_nothing(room, pictures, people, case, file_format):
    row = good_row(sha256=pictures["agreed"].sha256, timestamp=IMPOSSIBLE_TIMES[case])
    content = csv_file(row) if file_format == "csv" else transfer.to_json([row]).encode()

    response = post_import(client_for(people["teresa"]), room, content, f"labels.{file_format}",
                           HTTP_ACCEPT_LANGUAGE="es")

    assert response.status_code == 400, response.content
    body = response.json()
    assert body["code"] == "invalid_rows"
    row_number = 2 if file_format == "csv" else 1  # a CSV file's header is its row 1
    assert body["detail"] == (f"No se importó nada. Fila {row_number}: «{IMPOSSIBLE_TIMES[case]}» no es una fecha y hora "
                              "ISO 8601 entre 1970 y hoy.")
    assert not Label.objects.filter(labeler="zoe").exists()


def test_import_page_shows_the_row_problem_and_imports_nothing(room, pictures, people):
    browser = Client()
    browser.force_login(people["teresa"])
    moment = IMPOSSIBLE_TIMES["year 9999 behind UTC"]
    bad = SimpleUploadedFile("labels.csv", csv_file(good_row(sha256=pictures["agreed"].sha256, timestamp=moment)))

    response = browser.post(reverse("labeling:import", args=[room.pk]), {"file": bad})  # pages: Spanish first

    assert response.status_code == 200
    assert f"Fila 2: «{moment}» no es una fecha y hora ISO 8601 entre 1970 y hoy." in response.content.decode()
    assert not Label.objects.filter(labeler="zoe").exists()


def test_a_time_within_a_day_ahead_is_taken_as_a_clock_or_zone_difference(room, pictures, people):
    soon = (datetime.now(UTC) + timedelta(hours=10)).replace(microsecond=0)
    row, = transfer.parse(csv_file(good_row(sha256=pictures["agreed"].sha256, timestamp=soon.isoformat())),
                          file_name="labels.csv")
    transfer.import_rows([row], classroom=room, teacher=people["teresa"])
    assert Label.objects.get(labeler="zoe").created_at == soon


def test_many_problems_are_listed_up_to_a_limit_and_counted(db):
    error = refusal(csv_file(*[good_row(label="cow")] * 25))
    assert len(error.extra["problems"]) == 25
    assert "Row 21:" in error.detail and "Row 22:" not in error.detail and "5 more problems" in error.detail


@pytest.mark.parametrize("content, name, code, fragment", [
    (images.jpeg(), "labels.csv", "not_utf8", "UTF-8"),
    ("sha256,label\n".encode("utf-16"), "labels.csv", "not_utf8", "UTF-8"),
    (images.TEXT, "notes.txt", "missing_columns", "sha256, label, labeler, strategy, timestamp"),
    (b"sha256,label,labeler\n", "labels.csv", "missing_columns", "strategy, timestamp"),
    (b"{not json", "labels.json", "bad_format", "CSV or JSON"),
    (b'{"labels": 3}', "labels.json", "bad_format", "CSV or JSON"),
    (b'{"format": "eduai-labels", "version": 9, "labels": []}', "labels.json", "bad_version", "version"),
    (b"sha256,label,labeler,strategy,timestamp\n" + b"x" * 200_000, "labels.csv", "bad_format", "CSV or JSON"),
])
def test_files_that_are_not_labels_are_refused_with_a_clear_message(db, content, name, code, fragment):
    error = refusal(content, name)
    assert (error.code, fragment in error.detail) == (code, True)


def test_json_rows_that_are_not_objects_are_named(db):
    error = refusal(json.dumps({"labels": [good_row(), "cat"]}).encode(), "labels.json")
    assert error.code == "invalid_rows" and "Row 2" in error.detail


def test_too_many_rows_are_refused(db, monkeypatch):
    monkeypatch.setattr(transfer, "MAX_ROWS", 3)
    error = refusal(csv_file(*[good_row()] * 4))
    assert error.code == "too_many_rows" and "3" in error.detail


def test_refusal_is_given_in_the_active_language(db):
    with translation.override("es"), pytest.raises(AppError) as caught:
        transfer.parse(images.jpeg(), file_name="labels.csv")
    assert caught.value.code == "not_utf8" and "UTF-8" in caught.value.detail
    assert caught.value.detail != "The file is not UTF-8 text."


# ---------------------------------------------------------------------------------------- commands

def test_commands_move_labels_through_a_csv_file(room, pictures, people, tmp_path, capsys):
    path = tmp_path / "labels.csv"
    before = everything(room)
    call_command("export_labels", "--output", str(path), "--include-gold")
    assert path.read_text(encoding="utf-8").splitlines()[0] == HEADER
    wipe_labels(room)

    call_command("import_labels", str(path), "--as", "teresa")

    assert "7 labels created" in capsys.readouterr().out
    assert everything(room) == before


def test_export_command_writes_json_to_stdout_without_gold(room, pictures, capsys):
    call_command("export_labels", "--format", "json")
    data = json.loads(capsys.readouterr().out)
    assert data["labels"] and "gold" not in {row["strategy"] for row in data["labels"]}


def test_commands_need_the_class_when_there_are_several_and_touch_only_that_one(
    room, pictures, people, other_room, tmp_path, capsys
):
    path = tmp_path / "labels.csv"
    with pytest.raises(CommandError, match=rf"--class.*{room.pk}: 1º Bach A.*{other_room.pk}: 2º ESO C"):
        call_command("export_labels", "--output", str(path))
    call_command("export_labels", "--output", str(path), "--class", "1º Bach A", "--include-gold")
    assert transfer.parse(path.read_bytes(), file_name="labels.csv") == everything(room)
    with pytest.raises(CommandError, match="--class"):
        call_command("import_labels", str(path), "--as", "olga")
    shared = stored(other_room, images.jpeg(64, 48), "mismo.jpg")
    before = everything(room)

    call_command("import_labels", str(path), "--as", "olga", "--class", str(other_room.pk))

    assert "2 labels created" in capsys.readouterr().out
    assert {row["sha256"] for row in everything(other_room)} == {shared.sha256}
    assert everything(room) == before


def test_import_command_reports_a_refused_file(room, people, tmp_path):
    path = tmp_path / "labels.csv"
    path.write_bytes(csv_file(good_row(label="cow")))
    with translation.override("en"), pytest.raises(CommandError, match="Row 2.*invalid_rows"):
        call_command("import_labels", str(path), "--as", "teresa")


def test_import_command_needs_a_teacher_of_the_class(room, people, other_room, tmp_path):
    path = tmp_path / "labels.csv"
    path.write_bytes(csv_file(good_row()))
    with pytest.raises(CommandError, match="ana does not teach 1º Bach A"):
        call_command("import_labels", str(path), "--as", "ana", "--class", str(room.pk))
    with pytest.raises(CommandError, match="olga does not teach 1º Bach A"):  # a teacher, of another class
        call_command("import_labels", str(path), "--as", "olga", "--class", str(room.pk))
    with pytest.raises(CommandError, match="nobody"):
        call_command("import_labels", str(path), "--as", "nobody", "--class", str(room.pk))
