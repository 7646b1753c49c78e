"""Background work of the public panel site (``peiling manage worker``)."""

from __future__ import annotations

from django_tasks import task

from peiling.publications.services import results_notices_send


@task()
def send_results_notices(article_id: int) -> int:
    """E-mail the members who took part that the article on their survey is online."""
    return results_notices_send(article_id=article_id)
