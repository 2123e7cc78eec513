# An import batch records the importing user's district: a district's import may only create and update
# that district's enterprises, and only that district (or the city) may view and apply the batch.

import django.db.models.deletion
from django.db import migrations, models


def fill_district_from_uploader(apps, schema_editor):
    """Earlier batches: the district of the department of whoever uploaded them (empty: city-level)."""
    ImportBatch = apps.get_model("registry", "ImportBatch")
    for batch in ImportBatch.objects.filter(uploaded_by__department__district__isnull=False).select_related(
        "uploaded_by__department"
    ):
        batch.district_id = batch.uploaded_by.department.district_id
        batch.save(update_fields=["district"])


class Migration(migrations.Migration):
    dependencies = [
        ("registry", "0005_list_indexes_by_type_and_credit"),
    ]

    operations = [
        migrations.AddField(
            model_name="importbatch",
            name="district",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="registry.district",
                verbose_name="辖区",
            ),
        ),
        migrations.RunPython(fill_district_from_uploader, migrations.RunPython.noop),
    ]
