# One name for one thing: an uploaded participant file is an Upload, its rows UploadRows.

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("cohorts", "0002_upload_outbox_and_invitations"),
    ]

    operations = [
        migrations.RenameModel("EnrolmentImport", "Upload"),
        migrations.RenameModel("ImportRow", "UploadRow"),
        migrations.RenameIndex(model_name="upload", new_name="upload_in_progress", old_name="import_in_progress"),
        migrations.RenameIndex(model_name="uploadrow", new_name="upload_row_outcome", old_name="import_row_outcome"),
        migrations.RemoveConstraint(model_name="uploadrow", name="import_row_once"),
        migrations.AddConstraint(
            model_name="uploadrow",
            constraint=models.UniqueConstraint(fields=("upload", "row_number"), name="upload_row_once"),
        ),
        migrations.AlterField(
            model_name="upload",
            name="cohort",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE, related_name="uploads", to="cohorts.cohort"
            ),
        ),
    ]
