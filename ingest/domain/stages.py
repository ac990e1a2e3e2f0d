"""The pipeline's stages: the admins' rules. Add, rename, reorder, set the probability,
deactivate (refused while open deals are in the stage, and for the last active one) and
activate again; and the tenant's default currency for new deals. Statements in
``ingest/storage/stages.py``."""

from __future__ import annotations

from ingest.domain import money
from ingest.domain.validation import strip_controls
from ingest.storage import Connection
from ingest.storage import stages as store
from ingest.storage.deals import STATUSES
from ingest.storage.reads import StoreError, new_id

STAGE_NAME_MAX = 60
MAX_STAGES = 30


class StageRefused(StoreError):
    """A stage change the rules refuse, with the reason for the admin."""


def clean_stage_name(value: object) -> str:
    if not isinstance(value, str):
        raise StageRefused("A stage needs a name.")
    name = " ".join(strip_controls(value).split())
    if not name or len(name) > STAGE_NAME_MAX:
        raise StageRefused(f"A stage needs a name of 1-{STAGE_NAME_MAX} characters.")
    if name.lower() in STATUSES:
        raise StageRefused(f"{name!r} is a status of a deal, not a stage.")
    return name


def clean_probability(value: object) -> int:
    try:
        number = int(str(value).strip().removesuffix("%").strip())
    except ValueError:
        raise StageRefused("The probability is a whole percent, 0-100.") from None
    if not 0 <= number <= 100:
        raise StageRefused("The probability is a whole percent, 0-100.")
    return number


def _name_free(conn: Connection, tenant_id: str, name: str, stage_id: str | None) -> None:
    other = store.stage_by_name(conn, tenant_id, name)
    if other is not None and other.stage_id != stage_id:
        raise StageRefused(f"There is already a stage {other.name!r}.")


def _existing(conn: Connection, tenant_id: str, stage_id: str) -> store.Stage:
    found = store.stage(conn, tenant_id, stage_id, lock=True)
    if found is None:
        raise StageRefused("No such stage.")
    return found


def add_stage(
    conn: Connection, *, tenant_id: str, name: object, probability: object, now: str
) -> str:
    name = clean_stage_name(name)
    number = clean_probability(probability)
    _name_free(conn, tenant_id, name, None)
    if len(store.stages(conn, tenant_id)) >= MAX_STAGES:
        raise StageRefused(f"A pipeline has at most {MAX_STAGES} stages.")
    stage_id = new_id("stg")
    store.insert_stage(
        conn, tenant_id, stage_id, name, number, store.next_position(conn, tenant_id), now
    )
    return stage_id


def edit_stage(
    conn: Connection, *, tenant_id: str, stage_id: str, name: object, probability: object
) -> None:
    """Rename a stage and set its probability (the history shows the new name)."""
    _existing(conn, tenant_id, stage_id)
    name = clean_stage_name(name)
    number = clean_probability(probability)
    _name_free(conn, tenant_id, name, stage_id)
    store.update_stage(conn, tenant_id, stage_id, name=name, probability=number)


def move_stage(conn: Connection, *, tenant_id: str, stage_id: str, offset: int) -> None:
    """One place earlier (-1) or later (+1); the positions are renumbered 1, 2, 3..."""
    _existing(conn, tenant_id, stage_id)
    order = [s.stage_id for s in store.stages(conn, tenant_id)]
    index = order.index(stage_id)
    target = max(0, min(len(order) - 1, index + offset))
    order.insert(target, order.pop(index))
    for position, each in enumerate(order, start=1):
        store.update_stage(conn, tenant_id, each, position=position)


def set_active(conn: Connection, *, tenant_id: str, stage_id: str, active: bool) -> None:
    """Deactivate (refused while open deals are in the stage, or for the last active one)
    or activate a stage."""
    found = _existing(conn, tenant_id, stage_id)
    if not active and found.active:
        in_use = store.open_deals_in_stage(conn, tenant_id, stage_id)
        if in_use:
            raise StageRefused(
                f"The stage {found.name!r} has {in_use} open deal{'s' if in_use != 1 else ''}:"
                " move them to another stage first."
            )
        if not any(s.active and s.stage_id != stage_id for s in store.stages(conn, tenant_id)):
            raise StageRefused("The pipeline needs at least one active stage.")
    store.update_stage(conn, tenant_id, stage_id, active=active)


def set_currency(conn: Connection, *, tenant_id: str, currency: object) -> str:
    code = currency.strip().upper() if isinstance(currency, str) else ""
    if not money.CURRENCY.match(code):
        raise StageRefused("The currency is a three-letter code, such as EUR.")
    store.set_tenant_currency(conn, tenant_id, code)
    return code
