"""``leadsource generate``: realistic generated history for a tenant, for the demo and for
benchmarks.

Persons arrive over the last ``days`` from several campaigns and channels (LinkedIn and
Facebook ads, Google and Bing ads with click ids, newsletters, organic search and social by
referrer, partner referrals, direct); some came first through another channel days before,
some share a company, some send the form again later, and some browse pages of a site with
the ``pageviews`` option first. What is written is exactly what real traffic writes: each
submission is the set of fields utm.js and the browser would post (``Post``), validated and
turned into touches by the functions the endpoint uses, and stored by the same
``submissions.record`` job; page views go through ``sessions.record_pageview``. Only the
clock differs: every job gets its own moment in the past.

Speed: jobs run many to a transaction on one connection (``BATCH``), and at scale a second
process makes the traffic while this one writes (about 1,300 persons a second on SQLite on
a shared 2-core machine; with ``submissions_per_person=3``, about 1,900 submissions a second,
the writer's CPU: the cost is the jobs', mostly their SQL). The same ``seed`` gives the same
history, and running it again adds nothing (the submission ids repeat, and a retry stores
nothing twice).
"""

from __future__ import annotations

import functools
import json
import multiprocessing
import random
import time
import zlib
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from ingest import storage
from ingest.clock import iso_time
from ingest.domain import deals as deal_rules
from ingest.domain.credits import follower
from ingest.domain.sessions import PageView, record_pageview
from ingest.domain.submissions import record
from ingest.domain.validation import validate
from ingest.ops.traffic import History, Post
from ingest.storage import Connection, admin, search_index
from ingest.storage import stages as stage_store
from ingest.storage.deals import deal_candidates
from ingest.storage.reads import Form, StoreError, Tenant

BATCH = 2000  # jobs per transaction
DEFAULT_DAYS = 120
MAX_PERSONS = 10_000_000
SESSIONS_PER_VISITOR_PER_DAY = 50  # the service's default bound
# From this many persons on, a second process generates while this one writes.
PARALLEL_FROM = 20_000


# -- jobs --------------------------------------------------------------------------------


def submission_job(
    tenant: Tenant, form: Form, post: Post, chat_one_in: int = 0
) -> functools.partial[Any]:
    """The writer job the submission endpoint would run for this post, at its time; with
    ``chat_one_in`` N, about one post in N is instead the lead a chat widget sends
    (``POST /api/v1/leads`` with ``via`` chat), chosen by the submission id so the same
    seed chooses the same."""
    clean = validate(post.fields, form.custom_fields)
    if clean.errors:
        raise StoreError(f"generated an invalid submission: {clean.errors}")
    submission_id = post.fields["ls_submission_id"]
    chat = bool(chat_one_in) and zlib.crc32(submission_id.encode()) % chat_one_in == 0
    return functools.partial(
        record,
        tenant_id=tenant.tenant_id,
        form_id="" if chat else form.form_id,
        via="chat" if chat else "form",
        submission_id=submission_id,
        clean=clean,
        touches=post.touches,
        utm_transfer=tenant.utm_transfer,
        visitor_id=post.fields.get("ls_visitor_id"),
        now=iso_time(post.at),
    )


def pageview_job(tenant: Tenant, view: PageView) -> functools.partial[Any]:
    """The writer job the page-view endpoint would run for this view."""
    return functools.partial(
        record_pageview,
        tenant_id=tenant.tenant_id,
        view=view,
        utm_transfer=tenant.utm_transfer,
        max_sessions_per_day=SESSIONS_PER_VISITOR_PER_DAY,
    )


def tenant_and_form(conn: Connection, tenant_id: str) -> tuple[Tenant, Form]:
    """The tenant, and its first form (a published "Contact us" made when it has none)."""
    tenant = admin.get_tenant(conn, tenant_id)
    form = admin.first_form(conn, tenant_id)
    if form is None:
        form = storage.in_transaction(
            conn,
            lambda c: admin.create_form(
                c,
                tenant_id,
                name="Contact us",
                thank_you_url=None,
                published=True,
                custom_fields=[],
            ),
        )
    return tenant, form


def generate(
    db_url: str,
    tenant_id: str,
    persons: int,
    *,
    days: int = DEFAULT_DAYS,
    seed: int | None = None,
    now: datetime | None = None,
    batch: int | None = None,
    submissions_per_person: float | None = None,
    chat_one_in: int = 0,
) -> dict[str, Any]:
    """Write ``persons`` persons' generated history; returns what was written and how fast.
    With ``chat_one_in`` N, about one lead in N comes by chat instead of the form."""
    if not 1 <= persons <= MAX_PERSONS:
        raise StoreError(f"--persons must be 1-{MAX_PERSONS:,}")
    if not 1 <= days <= 3650:
        raise StoreError("--days must be 1-3650")
    if submissions_per_person is not None and not 1 <= submissions_per_person <= 20:
        raise StoreError("--submissions-per-person must be 1-20")
    seed = random.SystemRandom().getrandbits(32) if seed is None else seed
    now = now or datetime.now(UTC)
    started = time.perf_counter()
    counts = {"persons": 0, "submissions": 0, "pageviews": 0}
    with storage.migrated(db_url) as conn:
        storage.for_bulk_writes(conn)
        tenant, form = tenant_and_form(conn, tenant_id)
        history = History(
            tenant,
            form,
            persons=persons,
            days=days,
            seed=seed,
            now=now,
            submissions_per_person=submissions_per_person,
        )
        chunks = _chunks(tenant, form, history, batch or BATCH, chat_one_in)
        if persons >= PARALLEL_FROM:
            chunks = _in_another_process(chunks)
        for chunk in chunks:
            storage.in_transaction(conn, lambda c, chunk=chunk: [job(c) for job in chunk])
            for job in chunk:
                if job.func is record:
                    counts["submissions"] += 1
                    counts["persons"] += job.keywords["submission_id"].endswith("-0")
                else:
                    counts["pageviews"] += 1
        counts["deals"] = generate_deals(conn, tenant_id, seed=seed, now=now)
        # SQLite's search index covers every generated person before the command ends.
        search_index.catch_up(conn)
        # And its kept attribution credits (the tenant rebuilt at once, not followed).
        follower.catch_up(conn, tenant_id)
    seconds = time.perf_counter() - started
    return {
        "tenant_id": tenant_id,
        "form_id": form.form_id,
        "seed": seed,
        "days": days,
        **counts,
        "seconds": round(seconds, 2),
        "persons_per_second": round(counts["persons"] / seconds) if seconds else None,
        "submissions_per_second": round(counts["submissions"] / seconds) if seconds else None,
    }


# -- deals -------------------------------------------------------------------------------

DEAL_SHARE = 0.1  # of the tenant's persons, a deal each
DEAL_TITLES = ("Pilot", "Annual licence", "Rollout", "Renewal", "Expansion", "Training")


def generate_deals(
    conn: Connection, tenant_id: str, *, seed: int, now: datetime, share: float = DEAL_SHARE
) -> int:
    """Deals for a share of the tenant's persons, through the rules' own job: created days to
    weeks after the person, in every stage, some won or lost weeks later, as a sales team's
    pipeline looks. The same seed picks the same persons and makes the same deals (ids from
    the seed), so running it again adds nothing. Returns the deals made."""
    rng = random.Random(f"deals-{seed}")
    persons = deal_candidates(conn, tenant_id)
    stages = [s.name for s in stage_store.stages(conn, tenant_id) if s.active]
    if not stages:
        return 0
    made = 0
    jobs = []
    for person_id, created in persons:
        if rng.random() >= share:
            continue
        start = datetime.fromisoformat(created.replace("Z", "+00:00"))
        # Days to weeks after the person arrived, and never later than now.
        opened = start + min(timedelta(days=rng.uniform(0.5, 21)), (now - start) * rng.random())
        status = rng.choices(("open", "won", "lost"), weights=(6, 3, 2))[0]
        closed = None
        if status != "open":
            wait = min(timedelta(days=rng.uniform(3, 45)), (now - opened) * rng.random())
            closed = iso_time(opened + wait)
        new = deal_rules.NewDeal(
            person_id=person_id,
            title=rng.choice(DEAL_TITLES),
            amount=rng.choice((500, 1200, 2500, 4800, 9900, 15000, 32000)) * 100,
            status=status,
            stage=rng.choice(stages),
            created_at=iso_time(opened),
            closed_at=closed,
            expected_close=(opened + timedelta(days=rng.randint(14, 90))).date().isoformat(),
        )
        deal_id = f"deal_gen_{seed:08x}_{person_id[-12:]}"
        jobs.append(functools.partial(
            deal_rules.create, tenant_id=tenant_id, new=new, now=iso_time(now), deal_id=deal_id
        ))  # fmt: skip
    for start in range(0, len(jobs), BATCH):
        chunk = jobs[start : start + BATCH]
        storage.in_transaction(conn, lambda c, chunk=chunk: [job(c) for job in chunk])
        made += len(chunk)
    return made


def _chunks(
    tenant: Tenant, form: Form, history: History, batch: int, chat_one_in: int = 0
) -> Iterator[list[functools.partial[Any]]]:
    chunk: list[functools.partial[Any]] = []
    for event in history.events():
        if isinstance(event, Post):
            chunk.append(submission_job(tenant, form, event, chat_one_in))
        else:
            chunk.append(pageview_job(tenant, event.view))
        if len(chunk) >= batch:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _in_another_process(chunks: Iterator[Any]) -> Iterator[Any]:
    """The chunks, made by a forked process while this one writes the ones before: making
    the traffic and its touches costs about as much CPU as storing it."""
    context = multiprocessing.get_context("fork")
    queue = context.Queue(maxsize=4)

    def produce() -> None:
        try:
            for chunk in chunks:
                queue.put(chunk)
            queue.put(None)
        except BaseException as exc:  # told to the writer, which raises it
            queue.put(exc)

    process = context.Process(target=produce, name="leadsource-generate", daemon=True)
    process.start()
    try:
        while (item := queue.get()) is not None:
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        if process.is_alive():
            process.terminate()
        process.join()


def cmd_generate(args: Any) -> None:
    from ingest.config import Settings

    settings = Settings.from_env(db_path=args.db)
    result = generate(
        settings.db_path,
        args.tenant,
        args.persons,
        days=args.days,
        seed=args.seed,
        submissions_per_person=args.submissions_per_person,
    )
    print(json.dumps(result, indent=2))


def add_command(sub: Any, with_db: Callable[[Any], None]) -> None:
    gen = sub.add_parser(
        "generate",
        help="fill a tenant with realistic generated history (demo data, benchmarks)",
        description="Generate persons arriving over the last days from several campaigns and"
        " channels, with companies, repeat submissions and page views, written as real"
        " submissions would be (the tenant's first form, or a new 'Contact us'). The same"
        " --seed gives the same history; running it again adds nothing.",
    )
    gen.add_argument("--tenant", required=True, metavar="TENANT_ID")
    gen.add_argument("--persons", required=True, type=int, metavar="N")
    gen.add_argument(
        "--days", type=int, default=DEFAULT_DAYS, help=f"spread over (default {DEFAULT_DAYS})"
    )
    gen.add_argument("--seed", type=int, help="the same seed, the same history (default random)")
    gen.add_argument(
        "--submissions-per-person",
        type=float,
        metavar="MEAN",
        help="the mean number of submissions a person sends (1-20): returning persons come"
        " back with new touches at random until now (default: about 1.3, a fifth return)",
    )
    with_db(gen)
    gen.set_defaults(func=cmd_generate)
