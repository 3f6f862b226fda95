"""A replica's start: catch up with what the other replicas published, then follow them."""

from __future__ import annotations

import logging

from server.publish import Publisher
from server.settings import Settings
from server.site import LiveSite
from server.storage.records import Records
from server.storage.replica_sync import ReplicaSync

log = logging.getLogger("bilang_karyo")


def replica_sync_for(
    settings: Settings, records: Records, live: LiveSite, publisher: Publisher
) -> ReplicaSync | None:
    """With PostgreSQL: the replica's sync, caught up once (None in the single-machine mode).

    An unreachable database does not stop the start: the replica serves its guides/ as they
    are, /healthz says why, and the sync catches up as soon as it connects."""
    if settings.database_url is None:
        return None
    from server.storage.pg_records import PostgresRecords
    from server.storage.replica_files import ReplicaFiles

    assert isinstance(records, PostgresRecords) and isinstance(live.store, ReplicaFiles)
    # The site is shown the catalog as guides/ now holds it, as after a publish here.
    sync = ReplicaSync(records, live.store, settings.guides_dir, publisher.show)
    try:
        sync.catch_up()
    except Exception as exc:
        sync.status.problem = str(exc).strip()[:300]
        live.status.report("database", sync.status.problem)
        log.warning("replica: not caught up with the database at start: %s", exc)
    return sync
