"""Write every label as CSV or JSON (see labeling/transfer.py for the columns), to a file or stdout."""
from pathlib import Path

from django.core.management.base import BaseCommand

from labeling import transfer


class Command(BaseCommand):
    help = "Export the labels (and adjudications; gold answers with --include-gold) as CSV or JSON."

    def add_arguments(self, parser):
        parser.add_argument("--format", choices=("csv", "json"), default="csv")
        parser.add_argument("--output", type=Path, help="File to write (default: standard output).")
        parser.add_argument("--include-gold", action="store_true", help="Also the gold images' known answers.")

    def handle(self, *args, format: str, output: Path | None, include_gold: bool, **options):
        rows = transfer.export_rows(include_gold=include_gold)
        text = transfer.to_csv(rows) if format == "csv" else transfer.to_json(rows) + "\n"
        if output is None:
            self.stdout.write(text, ending="")
            return
        output.write_text(text, encoding="utf-8", newline="")
        self.stderr.write(f"{len(rows)} rows written to {output}")
