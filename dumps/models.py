"""A dataset dump: one versioned folder and one archive on disk, described here for the pages."""

from django.db import models


class DatasetDump(models.Model):
    # The dump's version, also its folder name under ARENA_DATASET_DIR (arena-YYYYMMDD-HHMMSS).
    name = models.CharField(max_length=100, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # {"problems": n, "solutions": n, "submissions": n}
    counts = models.JSONField(default=dict)
    # {file name: {"bytes": n, "sha256": hex}} for every file of the folder and the archive
    files = models.JSONField(default=dict)
    archive_name = models.CharField(max_length=120)
    archive_bytes = models.BigIntegerField(default=0)
    archive_sha256 = models.CharField(max_length=64)
    licence = models.CharField(max_length=100)
    licence_version = models.CharField(max_length=40)
    checker_version = models.CharField(max_length=100)
    # What the export saw (latest finished submission and problem change): an unchanged
    # watermark means a new dump would hold the same rows, so the beat task skips it.
    watermark = models.CharField(max_length=100, blank=True)
    seconds = models.FloatField(default=0)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.name
