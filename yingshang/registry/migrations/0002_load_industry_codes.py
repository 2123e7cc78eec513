"""Load the GB/T 4754-2017 code table shipped with the app (a public standard)."""

import csv
from pathlib import Path

from django.db import migrations


def load_codes(apps, schema_editor):
    Industry = apps.get_model("registry", "Industry")
    path = Path(__file__).resolve().parent.parent / "data" / "gbt4754_2017.csv"
    with path.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    # Parents come first in the file (depth-first order), so one pass keeps the foreign keys valid.
    Industry.objects.bulk_create(
        [Industry(code=r["code"], name=r["name"], level=r["level"], parent_id=r["parent"] or None) for r in rows],
        ignore_conflicts=True,
    )


def unload_codes(apps, schema_editor):
    apps.get_model("registry", "Industry").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("registry", "0001_initial")]
    operations = [migrations.RunPython(load_codes, unload_codes)]
