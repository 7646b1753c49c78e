"""A job a researcher started (an import, an export): its progress and result, for its page.

The task queue runs the work (``tasks.run_job``); this row is what the page reads, so the
progress survives a reload and is the same on every app server.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Job(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", _("waiting")
        RUNNING = "running", _("running")
        DONE = "done", _("done")
        FAILED = "failed", _("failed")

    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.CASCADE,
                                     related_name="jobs", verbose_name=_("organisation"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+",
                                   verbose_name=_("started by"))
    kind = models.CharField(_("kind"), max_length=50)
    #: The action (``accounts.permissions``) a user needs to see this job and its result.
    action = models.CharField(_("needs"), max_length=40)
    title = models.CharField(_("title"), max_length=300)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices,
                              default=Status.QUEUED)
    done = models.PositiveIntegerField(_("done"), default=0)
    total = models.PositiveIntegerField(_("total"), default=0)
    step = models.CharField(_("now doing"), max_length=300, blank=True)
    payload = models.JSONField(_("what to do"), default=dict, blank=True)
    input = models.BinaryField(_("input file"), null=True, blank=True)
    result = models.JSONField(_("result"), default=dict, blank=True)
    output = models.BinaryField(_("result file"), null=True, blank=True)
    output_name = models.CharField(_("file name"), max_length=255, blank=True)
    output_type = models.CharField(_("file type"), max_length=100, blank=True)
    error = models.TextField(_("error"), blank=True)
    back_url = models.CharField(_("back to"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("started"), auto_now_add=True)
    updated_at = models.DateTimeField(_("last progress"), auto_now=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        verbose_name = _("job")
        verbose_name_plural = _("jobs")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.title} ({self.get_status_display()})"

    @property
    def finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 0
