"""Keeping the views current from another process: ``rectify project --follow``.

On PostgreSQL this is eventsourcing's :class:`~eventsourcing.projection.ProjectionRunner`: it
subscribes to the application's log (LISTEN/NOTIFY) and projects each event as it is committed,
so readers on other machines can use ``connect(url, catch_up=False)``. SQLite has no subscription;
there the follower polls.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any, ClassVar

from eventsourcing.projection import Projection, ProjectionRunner

from rectify.adapters.persistence import env_for_url
from rectify.adapters.store_access import opening
from rectify.adapters.viewstores import PostgresViewStore, ViewStore
from rectify.application import RectificationApp
from rectify.projections.projector import Projector

if TYPE_CHECKING:
    from collections.abc import Callable
    from uuid import UUID

    from eventsourcing.persistence import Tracking


class ViewsProjection(Projection[ViewStore]):
    """The rectify views as an eventsourcing projection (named like the application, so the
    tracking it keeps is the one embedded catch-up reads)."""

    name = RectificationApp.name
    app_env: ClassVar[dict[str, str]] = {}

    def __init__(self, view: ViewStore) -> None:
        super().__init__(view)
        view.ensure_schema(RectificationApp.name)
        self._app: RectificationApp | None = None
        self.projector = Projector(view, self._load, RectificationApp.name)

    def _application(self) -> RectificationApp:
        if self._app is None:
            self._app = RectificationApp(dict(self.app_env), catch_up=False)
        return self._app

    def _load(self, aggregate_id: UUID, version: int) -> Any:
        return self._application()._aggregate_at(aggregate_id, version)

    def process_event(self, domain_event: Any, tracking: Tracking) -> None:
        # The event is the signal, the log the source: catching up from the tracked position
        # (not writing this one event) stays correct when a rebuild or another process has
        # moved the views meanwhile.
        application = self._application()
        personal = getattr(application.mapper, "personal", None)
        if personal is not None and personal.refresh():
            # Someone was forgotten elsewhere: what was read of them before stays out of views.
            self.projector.recent.clear()
        self.projector.catch_up(application._read_notifications)


def follow(
    url: str,
    *,
    stop: threading.Event,
    poll_seconds: float = 1.0,
    on_ready: Callable[[Any], None] | None = None,
) -> None:
    """Project the log at ``url`` into its views, and run the policies, until ``stop`` is set."""
    env = env_for_url(url)
    if env["PERSISTENCE_MODULE"] == "eventsourcing.postgres":
        with opening(env, url, create=False):
            # The readiness policy follows too. Made before the runner, whose threads would
            # race it creating the same tables (PostgreSQL: "tuple concurrently updated").
            policies = RectificationApp(env, catch_up=False)
        projection = type(
            "Views", (ViewsProjection,), {"name": ViewsProjection.name, "app_env": env}
        )
        try:
            with ProjectionRunner(
                application_class=RectificationApp,
                projection_class=projection,
                view_class=PostgresViewStore,
                env=env,
            ) as runner:
                if on_ready is not None:
                    on_ready(runner)
                while not stop.wait(poll_seconds):
                    runner.run_forever(timeout=0)  # re-raises an error of the projection thread
                    policies.run_policies()
        finally:
            policies.close()
        return
    with opening(env, url, create=False):
        app = RectificationApp(env)
    try:
        if on_ready is not None:
            on_ready(app)
        while True:
            app.catch_up()
            if stop.wait(poll_seconds):
                return
    finally:
        app.close()
