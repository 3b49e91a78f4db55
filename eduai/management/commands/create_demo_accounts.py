import os

from django.conf import settings
from django.core.management.base import BaseCommand

from eduai.roles import create_demo_accounts


class Command(BaseCommand):
    help = "Create the admin, teacher and student demo accounts (passwords from EDUAI_DEMO_PASSWORD or generated)."

    def handle(self, *args, **options):
        accounts = create_demo_accounts(password=os.environ.get("EDUAI_DEMO_PASSWORD") or None)
        created = [account for account in accounts if account.password]
        for account in accounts:
            if account.password:
                self.stdout.write(self.style.SUCCESS(f"  {account.username:8} password: {account.password}"))
            else:
                self.stdout.write(f"  {account.username:8} already exists (password unchanged)")
        if created and not os.environ.get("EDUAI_DEMO_PASSWORD"):
            note = settings.DATA_DIR / "demo-passwords.txt"
            note.write_text("".join(f"{a.username} {a.password}\n" for a in created))
            note.chmod(0o600)
            self.stdout.write(f"  (also saved in {note})")
