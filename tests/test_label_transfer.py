"""labeling/transfer.py and manage.py export_labels / import_labels: labels out as CSV or JSON and back in."""
import csv
import io
import json
from datetime import datetime, timezone

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

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
def classroom(db, people):
    """Images in every state: consensus, adjudicated, gold, dataset label, unlabelled."""
    def stored(content, name, value=None):
        return services.import_image(content=content, name=name, value=value).image

    agreed, disputed, gold = stored(images.jpeg(64, 48), "agreed.jpg"), stored(images.jpeg(50, 40), "disputed.jpg"), \
        stored(images.rgba_png(), "gold.png")
    votes = {agreed: ("cat", "cat"), disputed: ("cat", "dog"), gold: ("cat", "cat")}
    for image, (by_ana, by_ben) in votes.items():
        services.label_image(user=people["ana"], image=image, value=by_ana, strategy="random")
        services.label_image(user=people["ben"], image=image, value=by_ben, strategy="margin")
    services.adjudicate(image=disputed, teacher=people["teresa"], value="dog")
    services.mark_gold(image=gold, teacher=people["teresa"], value="neither")
    folder = stored(images.palette_png(), "from-folder.png", value="dog")
    stored(images.greyscale_jpeg(), "unlabelled.jpg")
    return {"agreed": agreed, "disputed": disputed, "gold": gold, "folder": folder}


def wipe_labels():
    Label.objects.all().delete()
    Adjudication.objects.all().delete()
    GoldImage.objects.all().delete()


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


# -------------------------------------------------------------------------------------------- export

def test_csv_header_has_the_columns_in_order_and_utc_timestamps(classroom):
    text = transfer.to_csv(transfer.export_rows(include_gold=True))
    assert text.splitlines()[0] == HEADER
    for row in csv.DictReader(io.StringIO(text)):
        assert row["timestamp"].endswith("Z")
        assert datetime.fromisoformat(row["timestamp"]).utcoffset().total_seconds() == 0


def test_rows_are_sorted_by_image_then_time(classroom):
    rows = transfer.export_rows(include_gold=True)
    assert rows == sorted(rows, key=lambda row: (row["sha256"], row["timestamp"], row["labeler"]))
    assert len(rows) == 6 + 1 + 1 + 1  # votes, adjudication, gold, dataset label


def test_gold_answers_are_exported_only_when_asked(classroom, people):
    hidden = transfer.export_rows(include_gold=False)
    assert not [row for row in hidden if row["strategy"] == "gold"]
    # without gold, the gold image's consensus is what its votes say, so students cannot read the answer
    assert {row["consensus"] for row in rows_of(hidden, classroom["gold"])} == {"cat"}

    shown = transfer.export_rows(include_gold=True)
    gold_row, = rows_of(shown, classroom["gold"], "gold")
    assert (gold_row["label"], gold_row["labeler"], gold_row["file_name"]) == ("neither", "teresa", "gold.png")
    assert {row["consensus"] for row in rows_of(shown, classroom["gold"])} == {"neither"}


def test_adjudication_row_names_the_deciding_teacher(classroom):
    rows = transfer.export_rows(include_gold=False)
    adjudication, = rows_of(rows, classroom["disputed"], "adjudication")
    assert (adjudication["label"], adjudication["labeler"]) == ("dog", "teresa")
    assert {row["consensus"] for row in rows_of(rows, classroom["disputed"])} == {"dog"}


def test_consensus_column_is_the_settled_label(classroom):
    states = selectors.image_states()
    rows = transfer.export_rows(include_gold=True)
    stored = {image.sha256: image.pk for image in classroom.values()}
    for row in rows:
        assert row["consensus"] == (states[stored[row["sha256"]]].final or "")
    folder_row, = rows_of(rows, classroom["folder"])
    assert (folder_row["labeler"], folder_row["strategy"], folder_row["consensus"]) == (DATASET_LABELER, "dataset", "dog")


def test_json_export_is_an_object_with_format_version_and_rows(classroom):
    data = json.loads(transfer.to_json(transfer.export_rows(include_gold=False)))
    assert (data["format"], data["version"]) == ("eduai-labels", 1)
    assert list(data["labels"][0]) == HEADER.split(",")


def test_csv_cells_a_spreadsheet_would_run_are_quoted_and_read_back(db, people):
    image = services.import_image(content=images.jpeg(), name="=HYPERLINK(1).jpg", value=None).image
    services.label_image(user=people["ana"], image=image, value="cat", strategy="random")
    rows = transfer.export_rows(include_gold=False)
    assert "'=HYPERLINK(1).jpg" in transfer.to_csv(rows)
    assert transfer.parse(transfer.to_csv(rows).encode(), file_name="labels.csv") == rows


# ------------------------------------------------------------------------------------- round trips

@pytest.mark.parametrize("write, name", [(transfer.to_csv, "labels.csv"), (transfer.to_json, "labels.json")])
def test_round_trip_restores_identical_rows(classroom, people, write, name):
    before = transfer.export_rows(include_gold=True)
    content = write(before).encode()
    wipe_labels()

    report = transfer.import_rows(transfer.parse(content, file_name=name), teacher=people["teresa"])

    assert transfer.export_rows(include_gold=True) == before
    assert report == transfer.ImportReport(created=7, adjudications=1, gold=1)
    assert Label.objects.get(labeler="ana", image=classroom["agreed"]).user == people["ana"]
    assert Label.objects.get(labeler=DATASET_LABELER).user is None


def test_format_is_recognised_from_content_when_the_name_does_not_say(classroom):
    rows = transfer.export_rows(include_gold=True)
    assert transfer.parse(transfer.to_json(rows).encode(), file_name="download") == rows
    assert transfer.parse(transfer.to_csv(rows).encode(), file_name="download.txt") == rows


def test_notebook_files_with_a_bare_list_and_naive_times_are_read(db):
    content = json.dumps([good_row(timestamp="2024-05-01 10:00:00", consensus=None)]).encode()
    row, = transfer.parse(content, file_name="from-pandas.json")
    assert (row["timestamp"], row["consensus"]) == ("2024-05-01T10:00:00.000000Z", "")


# ------------------------------------------------------------------------------------------- import

def test_import_skips_unknown_images_and_labels_already_here(classroom, people):
    rows = transfer.export_rows(include_gold=True)
    Label.objects.filter(labeler="ana").delete()
    extra = transfer.parse(csv_file(good_row()), file_name="extra.csv")

    report = transfer.import_rows(rows + extra, teacher=people["teresa"])

    assert report == transfer.ImportReport(created=3, duplicates=len(rows) - 3, unknown_images=1)
    assert Label.objects.filter(labeler="ana").count() == 3


def test_existing_labels_are_never_overwritten(classroom, people):
    row = rows_of(transfer.export_rows(include_gold=False), classroom["agreed"])[0]
    changed = transfer.parse(csv_file({**row, "label": "dog"}), file_name="changed.csv")
    assert transfer.import_rows(changed, teacher=people["teresa"]).duplicates == 1
    assert Label.objects.get(image=classroom["agreed"], labeler=row["labeler"]).value == "cat"


def test_importing_twice_creates_nothing_the_second_time(classroom, people):
    rows = transfer.export_rows(include_gold=True)
    wipe_labels()
    transfer.import_rows(rows, teacher=people["teresa"])
    counts = Label.objects.count(), Adjudication.objects.count(), GoldImage.objects.count()

    again = transfer.import_rows(rows, teacher=people["teresa"])

    assert again == transfer.ImportReport(duplicates=len(rows))
    assert (Label.objects.count(), Adjudication.objects.count(), GoldImage.objects.count()) == counts


def test_votes_of_people_not_here_keep_their_name_and_time(classroom, people):
    row = good_row(sha256=classroom["agreed"].sha256, labeler="zoe", timestamp="2023-01-02T03:04:05.000006+00:00")
    transfer.import_rows(transfer.parse(csv_file(row), file_name="zoe.csv"), teacher=people["teresa"])
    label = Label.objects.get(labeler="zoe")
    assert label.user is None
    assert label.created_at == datetime(2023, 1, 2, 3, 4, 5, 6, tzinfo=timezone.utc)


def test_imported_adjudication_is_the_importing_teachers(classroom, people, make_user):
    other = make_user("olga", "teacher")
    rows = rows_of(transfer.export_rows(include_gold=False), classroom["disputed"], "adjudication")
    wipe_labels()
    transfer.import_rows(rows, teacher=other)
    assert Adjudication.objects.get().decided_by == other


def test_consensus_that_differs_here_is_counted_not_changed(classroom, people):
    agreed = rows_of(transfer.export_rows(include_gold=False), classroom["agreed"])
    says_dog = [{**row, "consensus": "dog"} for row in agreed]
    report = transfer.import_rows(says_dog, teacher=people["teresa"])
    assert report.consensus_differs == 1
    assert selectors.image_states()[classroom["agreed"].pk].final == "cat"


def test_imported_adjudication_explains_a_different_consensus(classroom, people):
    disputed = transfer.export_rows(include_gold=False)
    disputed = rows_of(disputed, classroom["disputed"])
    Adjudication.objects.all().delete()
    flipped = [{**row, "label": "neither" if row["strategy"] == "adjudication" else row["label"],
                "consensus": "neither"} for row in disputed]
    report = transfer.import_rows(flipped, teacher=people["teresa"])
    assert (report.adjudications, report.consensus_differs) == (1, 0)


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
def test_one_bad_row_refuses_the_whole_file_and_names_the_row(classroom, people, changes, fragment):
    content = csv_file(good_row(sha256=classroom["agreed"].sha256, labeler="zoe"),
                       good_row(**{"sha256": classroom["agreed"].sha256, "labeler": "yan", **changes}))
    error = refusal(content)
    assert error.code == "invalid_rows"
    assert "Row 3" in error.detail and fragment in error.detail  # the header is row 1
    assert not Label.objects.filter(labeler__in=("zoe", "yan")).exists()


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
    # the Spanish text comes with the catalogue; here only that the message is produced under Spanish
    with translation.override("es"), pytest.raises(AppError) as caught:
        transfer.parse(images.jpeg(), file_name="labels.csv")
    assert caught.value.code == "not_utf8" and caught.value.detail


# ---------------------------------------------------------------------------------------- commands

def test_commands_move_labels_through_a_csv_file(classroom, people, tmp_path, capsys):
    path = tmp_path / "labels.csv"
    before = transfer.export_rows(include_gold=True)
    call_command("export_labels", "--output", str(path), "--include-gold")
    assert path.read_text(encoding="utf-8").splitlines()[0] == HEADER
    wipe_labels()

    call_command("import_labels", str(path), "--as", "teresa")

    assert "7 labels created" in capsys.readouterr().out
    assert transfer.export_rows(include_gold=True) == before


def test_export_command_writes_json_to_stdout_without_gold(classroom, capsys):
    call_command("export_labels", "--format", "json")
    data = json.loads(capsys.readouterr().out)
    assert data["labels"] and "gold" not in {row["strategy"] for row in data["labels"]}


def test_import_command_reports_a_refused_file(db, people, tmp_path):
    path = tmp_path / "labels.csv"
    path.write_bytes(csv_file(good_row(label="cow")))
    with translation.override("en"), pytest.raises(CommandError, match="Row 2.*invalid_rows"):
        call_command("import_labels", str(path), "--as", "teresa")


def test_import_command_needs_a_teacher(db, people, tmp_path):
    path = tmp_path / "labels.csv"
    path.write_bytes(csv_file(good_row()))
    with pytest.raises(CommandError, match="ana is not a teacher"):
        call_command("import_labels", str(path), "--as", "ana")
    with pytest.raises(CommandError, match="nobody"):
        call_command("import_labels", str(path), "--as", "nobody")
