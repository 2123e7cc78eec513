# A payment batch belongs to one district: filled from its entitlements. A batch that mixed districts
# (possible before this migration) keeps no district and is the city's alone.

import django.db.models.deletion
from django.db import migrations, models


def fill_district_from_entitlements(apps, schema_editor):
    PaymentBatch = apps.get_model("entitlements", "PaymentBatch")
    Entitlement = apps.get_model("entitlements", "Entitlement")
    for batch in PaymentBatch.objects.all():
        districts = set(
            Entitlement.objects.filter(payment_batch=batch).order_by().values_list("district_id", flat=True)
        )
        if len(districts) == 1:
            batch.district_id = districts.pop()
            batch.save(update_fields=["district"])


class Migration(migrations.Migration):
    dependencies = [
        ("entitlements", "0001_initial"),
        ("registry", "0005_list_indexes_by_type_and_credit"),
    ]

    operations = [
        migrations.AddField(
            model_name="paymentbatch",
            name="district",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="registry.district",
                verbose_name="区县",
            ),
        ),
        migrations.RunPython(fill_district_from_entitlements, migrations.RunPython.noop),
    ]
