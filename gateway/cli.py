"""The ``usage-gateway`` command."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
from datetime import date, timedelta

from gateway.config import DEV_SERVICE_TOKEN, ConfigurationError, Settings
from gateway.demo.records import DemoSummary
from gateway.logsetup import log_config
from gateway.migrate import migrate
from gateway.orgs.credentials import issue_member_token
from gateway.storage.db import Database
from gateway.web.metrics import MULTIPROCESS_ENV


def _settings() -> Settings:
    try:
        return Settings()
    except ConfigurationError as exc:
        sys.exit(f"usage-gateway: {exc}")


async def _migrate(settings: Settings) -> None:
    db = Database.from_url(settings.database_url)
    try:
        await migrate(db)
    finally:
        await db.dispose()


def cmd_migrate(_: argparse.Namespace) -> None:
    asyncio.run(_migrate(_settings()))
    print("database is up to date")


def cmd_serve(args: argparse.Namespace) -> None:
    from gateway.web.serving import ServeOptions, serve

    settings = _settings()
    if settings.trusted_documents_file:
        from resolvers.documents.manifest import load_manifest

        # Checked here, once, so a manifest that does not fit stops the start with its reason
        # (each worker loads it again when it builds its app).
        try:
            load_manifest(settings.trusted_documents_file)
        except ConfigurationError as exc:
            sys.exit(f"usage-gateway: {exc}")
    asyncio.run(_migrate(settings))
    workers = args.workers or settings.workers
    if workers > 1 and not os.environ.get(MULTIPROCESS_ENV):
        # Each worker writes its metrics to files here; /metrics adds them up.
        os.environ[MULTIPROCESS_ENV] = tempfile.mkdtemp(prefix="gateway-metrics-")
    serve(
        ServeOptions(
            host=args.host or settings.host,
            port=args.port or settings.port,
            workers=workers,
            log_level=settings.log_level,
            log_config=log_config(settings.log_format, settings.log_level),
            grace_s=settings.shutdown_grace_s,
        )
    )


def cmd_token(args: argparse.Namespace) -> None:
    settings = _settings()
    print(
        issue_member_token(
            settings,
            org_id=args.org,
            member_id=args.member,
            now=settings.clock(),
            ttl=timedelta(hours=args.hours),
        )
    )


def cmd_export_schema(_: argparse.Namespace) -> None:
    from resolvers.schema import schema

    sys.stdout.write(schema.as_str() + "\n")


def dev_service_token(settings: Settings) -> str | None:
    """The service token to print, only while it is the public development default: a token
    of one's own is a secret and is never printed."""
    if settings.env != "production" and settings.service_token == DEV_SERVICE_TOKEN:
        return settings.service_token
    return None


def print_demo_summary(summary: DemoSummary, settings: Settings | None = None) -> None:
    """How to explore the demo: what was loaded, a member token and the links that carry it,
    and the development service token of the ``/v1`` writes when that is the one in use."""
    if summary.already_loaded:
        print(f"The demo data is already loaded (organizations {', '.join(summary.org_ids)}).")
    else:
        print(
            f"Demo data loaded: {len(summary.org_ids)} organizations "
            f"({', '.join(summary.org_ids)}), {summary.members} members "
            f"({summary.removed_members} removed), {summary.ai_calls:,} AI calls, "
            f"{summary.interview_events:,} interview events, {summary.openings} openings, "
            f"{summary.credit_purchases} credit purchases."
        )
        if summary.skipped_events:
            print(
                f"({summary.skipped_events:,} events were already stored "
                "and were left as they were.)"
            )
    who = f"{summary.admin_name}, " if summary.admin_name else ""
    url = summary.graphiql_url
    print()
    print(f"GraphiQL: {url}")
    print(f"Member token ({who}ACCOUNT_ADMIN of {summary.admin_org_id}, valid 30 days):")
    print(f"  {summary.token}")
    print("Open GraphiQL with the Authorization header already filled in:")
    print(f"  {url}?token={summary.token}")
    print('or paste {"Authorization": "Bearer <token>"} into the Headers tab of GraphiQL.')
    print(f"Dashboard (both pages, same token): {summary.dashboard_url}?token={summary.token}")
    print("Other members: usage-gateway token --org globex --member globex-u001")
    if settings is not None and (token := dev_service_token(settings)) is not None:
        print()
        print("Service token of the /v1 writes (the development default; set")
        print("GATEWAY_SERVICE_TOKEN to a secret of your own outside development):")
        print(f"  export GATEWAY_SERVICE_TOKEN={token}")


def cmd_demo(args: argparse.Namespace) -> None:
    from gateway.demo.load import load_demo

    settings = _settings()

    async def run() -> DemoSummary:
        db = Database.from_url(settings.database_url)
        try:
            await migrate(db)
            return await load_demo(db, settings=settings, only_if_empty=args.if_empty)
        finally:
            await db.dispose()

    print_demo_summary(asyncio.run(run()), settings)


def cmd_verify(args: argparse.Namespace) -> None:
    from gateway.maintenance.verify import verify_command

    url = _settings().database_url
    sys.exit(asyncio.run(verify_command(url, args.org, args.date_from, args.date_to)))


def cmd_rebuild_rollups(args: argparse.Namespace) -> None:
    from gateway.maintenance.verify import rebuild_command

    sys.exit(asyncio.run(rebuild_command(_settings().database_url, args.org)))


def cmd_partitions(args: argparse.Namespace) -> None:
    from gateway.maintenance.partitions import partitions_command

    settings = _settings()
    months = args.retention_months or settings.raw_retention_months
    sys.exit(
        asyncio.run(
            partitions_command(
                settings.database_url,
                now=settings.clock(),
                ahead=args.ahead,
                retention_months=months,
            )
        )
    )


def cmd_deliver(args: argparse.Namespace) -> None:
    from gateway.alerting import deliver_command

    sys.exit(asyncio.run(deliver_command(_settings(), once=args.once)))


def cmd_bulk(args: argparse.Namespace) -> None:
    from gateway.bulk.worker import bulk_command

    sys.exit(asyncio.run(bulk_command(_settings(), once=args.once)))


def cmd_consume(args: argparse.Namespace) -> None:
    from gateway.broker.consumer import consume
    from gateway.broker.stream import check

    settings = _settings()
    if not settings.nats_url:
        sys.exit("usage-gateway: set GATEWAY_NATS_URL (e.g. nats://127.0.0.1:4222) to consume")
    if args.check:
        ok, message = asyncio.run(check(settings))
        print(message)
        sys.exit(0 if ok else 1)
    consume(settings)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="usage-gateway", description="GraphQL gateway for AI usage and interview credits."
    )
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="migrate, then serve HTTP")
    serve.add_argument("--host", help="interface to bind (default GATEWAY_HOST or 127.0.0.1)")
    serve.add_argument("--port", type=int, help="port (default GATEWAY_PORT or 8000)")
    serve.add_argument("--workers", type=int, help="worker processes (default GATEWAY_WORKERS)")
    serve.set_defaults(func=cmd_serve)

    sub.add_parser("migrate", help="create or upgrade the database").set_defaults(func=cmd_migrate)

    demo = sub.add_parser("demo", help="fill the database with the demo dataset")
    demo.add_argument(
        "--if-empty", action="store_true", help="do nothing if the demo data is already there"
    )
    demo.set_defaults(func=cmd_demo)

    token = sub.add_parser("token", help="print a member JWT signed with GATEWAY_JWT_SECRET")
    token.add_argument("--org", required=True, help="organization id")
    token.add_argument("--member", required=True, help="member id")
    token.add_argument("--hours", type=float, default=24.0, help="lifetime (default 24)")
    token.set_defaults(func=cmd_token)

    verify = sub.add_parser("verify", help="recount an organization's rollups; print differences")
    verify.add_argument("--org", required=True, help="organization id")
    verify.add_argument("--from", dest="date_from", type=date.fromisoformat, help="YYYY-MM-DD")
    verify.add_argument("--to", dest="date_to", type=date.fromisoformat, help="YYYY-MM-DD")
    verify.set_defaults(func=cmd_verify)

    rebuild = sub.add_parser("rebuild-rollups", help="rebuild an organization's rollups")
    rebuild.add_argument("--org", required=True, help="organization id")
    rebuild.set_defaults(func=cmd_rebuild_rollups)

    partitions = sub.add_parser(
        "partitions",
        help="create ai_calls' monthly partitions ahead; drop raw calls past retention",
    )
    partitions.add_argument(
        "--ahead", type=int, default=3, help="months after the current one (default 3)"
    )
    partitions.add_argument(
        "--retention-months",
        type=int,
        help="keep this many months of raw calls (default GATEWAY_RAW_RETENTION_MONTHS: all)",
    )
    partitions.set_defaults(func=cmd_partitions)

    consume = sub.add_parser(
        "consume", help="take usage events from NATS JetStream (GATEWAY_NATS_URL)"
    )
    consume.add_argument(
        "--check", action="store_true", help="only say whether NATS can be reached (exit 0/1)"
    )
    consume.set_defaults(func=cmd_consume)

    deliver = sub.add_parser(
        "deliver", help="send the webhooks of the outbox (and re-check forecast alerts)"
    )
    deliver.add_argument("--once", action="store_true", help="send what is due now, then exit")
    deliver.set_defaults(func=cmd_deliver)
    bulk = sub.add_parser(
        "bulk", help="write the queued bulk exports to GATEWAY_BULK_EXPORT_DIR; expire old files"
    )
    bulk.add_argument("--once", action="store_true", help="run the exports waiting now, then exit")
    bulk.set_defaults(func=cmd_bulk)
    sub.add_parser("export-schema", help="print the GraphQL SDL").set_defaults(
        func=cmd_export_schema
    )
    return parser


def main(argv: list[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    args.func(args)


if __name__ == "__main__":
    main()
