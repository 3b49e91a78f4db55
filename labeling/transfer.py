"""A class's labels out and in as CSV or JSON, so they move between classes and into notebooks.

One row per label, adjudication and (for teachers) gold answer, with the columns in COLUMNS; all
values are strings. JSON files hold the same rows: {"format": "eduai-labels", "version": 1,
"labels": [{column: value, ...}, ...]}; a bare list of such objects is read too. A student's
export holds only their own labels, with no consensus and no file names (eduai/policies.py).
"""
from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from datetime import timezone as dt_timezone

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, ngettext

from classifier.models import StoredImage
from eduai.errors import AppError
from labeling import selectors
from labeling.models import DATASET_LABELER, Adjudication, ClassImage, GoldImage, Label, Strategy, Value

COLUMNS = ("sha256", "file_name", "label", "labeler", "strategy", "timestamp", "consensus")
REQUIRED = ("sha256", "label", "labeler", "strategy", "timestamp")  # file_name and consensus only inform
ADJUDICATION, GOLD = "adjudication", "gold"
LABELS, VOTES_AND_DATASET = frozenset(Value.values), frozenset(Strategy.values)
STRATEGIES = VOTES_AND_DATASET | {ADJUDICATION, GOLD}
JSON_FORMAT, JSON_VERSION = "eduai-labels", 1
MAX_ROWS = 100_000
MAX_PROBLEMS = 20  # listed in the refusal; the rest are counted
SHA256 = re.compile(r"[0-9a-fA-F]{64}")
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")  # a spreadsheet would run such a cell as a formula
EARLIEST = datetime(1970, 1, 1, tzinfo=dt_timezone.utc)  # no label is older; year 1 or 9999 is a typo


@dataclass
class ImportReport:
    created: int = 0  # labels (votes and dataset labels)
    duplicates: int = 0  # rows skipped because this installation already has that label, adjudication or gold
    unknown_images: int = 0  # images in the file that are not stored here (their rows are skipped)
    adjudications: int = 0
    gold: int = 0
    consensus_differs: int = 0  # images settled otherwise here than the file says (nothing is changed)


# -------------------------------------------------------------------------------------------- export

def export_rows(*, classroom, include_gold: bool, only_user=None) -> list[dict]:
    """The class's labels, adjudications and (if asked) gold answers as rows, sorted by (sha256,
    timestamp, labeler). With `only_user`, only that person's own labels, without consensus or names."""
    labels = Label.objects.filter(classroom=classroom)
    if only_user is not None:
        labels = labels.filter(user=only_user)
        rows = [_row(*label, {}, {}) for label in labels.values_list(
            "image_id", "image__sha256", "value", "labeler", "strategy", "created_at")]
        return sorted(rows, key=lambda row: (row["sha256"], row["timestamp"]))
    names = dict(ClassImage.objects.filter(classroom=classroom).values_list("image_id", "original_name"))
    consensus = _consensus_by_image(classroom, include_gold=include_gold)
    rows = [_row(*label, names, consensus) for label in labels.values_list(
        "image_id", "image__sha256", "value", "labeler", "strategy", "created_at")]
    rows += [_row(*a, ADJUDICATION, created, names, consensus) for *a, created in Adjudication.objects.filter(
        classroom=classroom).values_list("image_id", "image__sha256", "value", "decided_by__username", "created_at")]
    if include_gold:
        rows += [_row(*g, GOLD, created, names, consensus) for *g, created in GoldImage.objects.filter(
            classroom=classroom).values_list("image_id", "image__sha256", "value", "created_by__username", "created_at")]
    return sorted(rows, key=lambda row: (row["sha256"], row["timestamp"], row["labeler"], row["strategy"]))


def _row(image_id, sha256, value, labeler, strategy, created_at, names, consensus) -> dict:
    return {"sha256": sha256, "file_name": names.get(image_id, ""), "label": value, "labeler": labeler or "",
            "strategy": strategy, "timestamp": _format_timestamp(created_at), "consensus": consensus.get(image_id, "")}


def _consensus_by_image(classroom, *, include_gold: bool) -> dict[int, str]:
    """{image id: settled label}; without gold, a gold image shows what it would be without its known
    answer, so the consensus column does not give gold answers away."""
    states = selectors.image_states(classroom=classroom, reveal_gold=include_gold)
    return {image_id: state.final or "" for image_id, state in states.items()}


def _format_timestamp(moment: datetime) -> str:
    """ISO 8601 in UTC with microseconds always written, so the strings sort in time order."""
    return moment.astimezone(dt_timezone.utc).isoformat(timespec="microseconds").replace("+00:00", "Z")


def to_csv(rows: list[dict]) -> str:
    """Rows as CSV with a header; cells a spreadsheet would run as formulas are quoted with a leading '."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS, extrasaction="ignore")
    writer.writeheader()
    for row in rows:
        writer.writerow({key: "'" + value if value.startswith(FORMULA_START) else value for key, value in row.items()})
    return buffer.getvalue()


def to_json(rows: list[dict]) -> str:
    return json.dumps({"format": JSON_FORMAT, "version": JSON_VERSION, "labels": rows}, ensure_ascii=False, indent=1)


# --------------------------------------------------------------------------------------------- parse

def parse(content: bytes, *, file_name: str) -> list[dict]:
    """Checked rows (as export_rows gives them) from a CSV or JSON file; AppError if any is wrong."""
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise AppError("not_utf8", _("The file is not UTF-8 text.")) from error
    suffix = file_name.lower().rpartition(".")[2]
    is_json = suffix == "json" or (suffix != "csv" and text.lstrip()[:1] in ("{", "["))
    raw_rows, first_row = (_json_rows(text), 1) if is_json else (_csv_rows(text), 2)
    if len(raw_rows) > MAX_ROWS:
        raise AppError("too_many_rows", _("The file has more than %(limit)d rows.") % {"limit": MAX_ROWS})
    rows, problems = [], []
    for number, raw in enumerate(raw_rows, start=first_row):
        row, row_problems = _checked_row(raw, number=number)
        rows.append(row)
        problems += row_problems
    if problems:
        raise AppError("invalid_rows", _refusal(problems), problems=problems)
    return rows


def _refusal(problems: list[str]) -> str:
    shown = " ".join(problems[:MAX_PROBLEMS])
    more = len(problems) - MAX_PROBLEMS
    if more > 0:
        shown += " " + ngettext("…and %(count)d more problem.", "…and %(count)d more problems.", more) % {"count": more}
    return _("Nothing was imported. %(problems)s") % {"problems": shown}


def _not_labels() -> AppError:
    return AppError("bad_format", _("The file is not a CSV or JSON file of labels."))


def _json_rows(text: str) -> list:
    try:
        data = json.loads(text)
    except (json.JSONDecodeError, RecursionError) as error:
        raise _not_labels() from error
    if isinstance(data, dict):
        if data.get("version", JSON_VERSION) != JSON_VERSION:
            raise AppError("bad_version", _("This version of the labels format is not supported."))
        data = data.get("labels")
    if not isinstance(data, list):
        raise _not_labels()
    return data


def _csv_rows(text: str) -> list:
    reader = csv.DictReader(io.StringIO(text, newline=""))
    try:
        missing = [column for column in REQUIRED if column not in (reader.fieldnames or [])]
        if missing:
            raise AppError("missing_columns", _("Columns missing from the file: %(columns)s.")
                                  % {"columns": ", ".join(missing)})
        rows = []
        for row in reader:
            rows.append({key: _unquoted(value) for key, value in row.items() if key in COLUMNS})
            if len(rows) > MAX_ROWS:
                break  # enough to refuse the file without reading all of it
        return rows
    except csv.Error as error:
        raise _not_labels() from error


def _unquoted(value: str | None) -> str | None:
    return value[1:] if value and value[:1] == "'" and value[1:].startswith(FORMULA_START) else value


def _checked_row(raw, *, number: int) -> tuple[dict, list[str]]:
    """(row with clean strings, its problems, each naming the row number)."""
    if not isinstance(raw, dict):
        return {}, [_("Row %(row)d is not an object with the label's fields.") % {"row": number}]
    row = {column: "" if raw.get(column) is None else str(raw[column]).strip() for column in COLUMNS}
    row["sha256"] = row["sha256"].lower()
    problems = [_(message) % {"row": number, "value": row[column]} for column, message in _field_problems(row)]
    if not problems:
        row["timestamp"] = _format_timestamp(_parse_timestamp(row["timestamp"]))
        row["labeler"] = DATASET_LABELER if row["strategy"] == Strategy.DATASET else row["labeler"]
    return row, problems


def _field_problems(row: dict) -> list[tuple[str, str]]:
    """(column, message id with %(row)d and %(value)s) for each bad field of the row; translated only
    when there is a problem, as a file may hold a hundred thousand good rows."""
    strategy, labeler = row["strategy"], row["labeler"]
    checks = [
        ("sha256", SHA256.fullmatch(row["sha256"]),
         gettext_noop("Row %(row)d: the sha256 must be 64 hexadecimal characters.")),
        ("label", row["label"] in LABELS, gettext_noop("Row %(row)d: unknown label “%(value)s” (cat, dog or neither).")),
        ("strategy", strategy in STRATEGIES, gettext_noop("Row %(row)d: unknown strategy “%(value)s”.")),
        ("timestamp", _parse_timestamp(row["timestamp"]),
         gettext_noop("Row %(row)d: “%(value)s” is not an ISO 8601 time between 1970 and today.")),
        ("labeler", len(labeler) <= 150, gettext_noop("Row %(row)d: the labeler's name is longer than 150 characters.")),
        ("labeler", labeler or strategy not in VOTES_AND_DATASET - {Strategy.DATASET},
         gettext_noop("Row %(row)d: the labeler is missing.")),
        ("labeler", labeler != DATASET_LABELER or strategy == Strategy.DATASET,
         gettext_noop("Row %(row)d: “%(value)s” labels only rows whose strategy is dataset.")),
        ("consensus", not row["consensus"] or row["consensus"] in LABELS,
         gettext_noop("Row %(row)d: the consensus “%(value)s” is not a label.")),
    ]
    return [(column, message) for column, ok, message in checks if not ok]


def _parse_timestamp(text: str) -> datetime | None:
    """An aware time in UTC between 1970 and tomorrow; a time without a zone is taken as UTC (as pandas
    writes it). None for anything else, including times that overflow when moved to UTC (year 1 with a
    negative offset, year 9999 with a positive one)."""
    try:
        moment = datetime.fromisoformat(text)
        moment = moment.replace(tzinfo=moment.tzinfo or dt_timezone.utc).astimezone(dt_timezone.utc)
    except (ValueError, OverflowError):
        return None
    return moment if EARLIEST <= moment <= datetime.now(dt_timezone.utc) + timedelta(days=1) else None


# -------------------------------------------------------------------------------------------- import

def import_rows(rows: list[dict], *, classroom, teacher) -> ImportReport:
    """Add the rows from parse() that the class lacks, all or nothing; existing labels, adjudications
    and gold answers are never changed. Rows for pictures that are not in the class's dataset are
    skipped. `teacher` becomes the author of imported adjudications and gold answers, since they take
    responsibility for them."""
    report = ImportReport()
    images = dict(StoredImage.objects.filter(class_images__classroom=classroom).values_list("sha256", "id"))
    report.unknown_images = len({row["sha256"] for row in rows} - images.keys())
    known = [{**row, "image_id": images[row["sha256"]]} for row in rows if row["sha256"] in images]
    with transaction.atomic():
        _import_labels(classroom, [row for row in known if row["strategy"] in VOTES_AND_DATASET], report)
        adjudicated = _import_decisions(classroom, [row for row in known if row["strategy"] == ADJUDICATION], report,
                                        model=Adjudication, author={"decided_by": teacher})
        gold = _import_decisions(classroom, [row for row in known if row["strategy"] == GOLD], report,
                                 model=GoldImage, author={"created_by": teacher})
    report.adjudications, report.gold = len(adjudicated), len(gold)
    report.consensus_differs = _consensus_differs(classroom, known, explained=adjudicated)
    return report


def _import_labels(classroom, rows: list[dict], report: ImportReport) -> None:
    users = dict(get_user_model().objects.values_list("username", "id"))
    taken = set(Label.objects.filter(classroom=classroom).values_list("image_id", "labeler"))
    new = []
    for row in rows:
        key = (row["image_id"], row["labeler"])
        if key in taken:
            report.duplicates += 1
            continue
        taken.add(key)
        new.append(Label(classroom=classroom, image_id=row["image_id"], labeler=row["labeler"],
                         user_id=users.get(row["labeler"]),
                         value=row["label"], strategy=row["strategy"], created_at=_parse_timestamp(row["timestamp"])))
    Label.objects.bulk_create(new, batch_size=1000)
    report.created = len(new)


def _import_decisions(classroom, rows: list[dict], report: ImportReport, *, model, author: dict) -> set[int]:
    """Adjudications or gold answers for pictures that have none yet; the ids of the pictures given one."""
    taken = set(model.objects.filter(classroom=classroom).values_list("image_id", flat=True))
    created = set()
    for row in rows:
        if row["image_id"] in taken:
            report.duplicates += 1
            continue
        taken.add(row["image_id"])
        created.add(row["image_id"])
        model.objects.create(classroom=classroom, image_id=row["image_id"], value=row["label"],
                             created_at=_parse_timestamp(row["timestamp"]), **author)
    return created


def _consensus_differs(classroom, rows: list[dict], *, explained: set[int]) -> int:
    """Pictures whose file consensus is not their settled label here (an imported adjudication explains it)."""
    claimed = {row["image_id"]: row["consensus"] for row in rows if row["consensus"]}
    states = selectors.image_states(classroom=classroom)
    return sum(1 for image_id, value in claimed.items() if image_id not in explained and states[image_id].final != value)
