"""The database stops and starts again under a running consumer: nothing lost, nothing twice."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from gateway.storage.db import Database
from gateway.web.app import create_app
from tests.broker.conftest import NatsServer
from tests.broker.streams import (
    check_dead_letters,
    count_calls,
    dead_letters,
    ensure_stream,
    publish,
    wait_until_done,
)
from tests.broker.support import expected, make_dataset, set_up_orgs, stored
from tests.broker.test_processes import first_calls_stored, start_consumer, stop, tail
from tests.faults.servers import (  # noqa: F401  (fixtures)
    PrivatePostgres,
    _postgres_cluster,
    private_postgres,
)
from tests.support import make_settings


@pytest.fixture
async def private_db(private_postgres: PrivatePostgres) -> AsyncIterator[Database]:  # noqa: F811
    database = Database.from_url(private_postgres.url)
    yield database
    await database.dispose()


async def test_the_database_stopped_and_started_under_the_consumer_loses_nothing(
    private_postgres: PrivatePostgres,  # noqa: F811
    private_db: Database,
    nats_server: NatsServer,
    tmp_path: Path,
) -> None:
    app = create_app(make_settings(private_postgres.url), db=private_db)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://gateway.test") as client:
        await set_up_orgs(client)
    data = make_dataset(7, calls=2000, interviews=150, purchases=8)
    await ensure_stream(nats_server.url)
    await publish(nats_server.url, data.messages)
    log = tmp_path / "consumer.log"

    consumer = start_consumer(private_db, nats_server.url, log)
    try:
        await first_calls_stored(private_db, consumer, log)
        at_stop = await count_calls(private_db)
        private_postgres.stop()
        # The consumer keeps running through the outage, retrying its batch.
        await asyncio.sleep(3)
        assert consumer.poll() is None, tail(log)
        private_postgres.start()
        await wait_until_done(nats_server.url, within=120)
    finally:
        if consumer.poll() is None:
            await stop(consumer, log)
    assert 0 < at_stop < len(data.calls), "the outage was not mid-stream"
    assert await count_calls(private_db) == len(data.calls), "calls were lost or stored twice"
    assert await stored(private_db) == expected(data)
    check_dead_letters(data, await dead_letters(nats_server.url))
