"""Importing existing contacts from a CSV file (issue "Leads and deals"): read the file, map
its columns, plan what each row will do (a dry run), and run the plan in one transaction.

Imported persons are existing persons: each new one is recorded by the submission job with
``via`` ``"import"`` and no touches (no first touch, no lead creation), so a later form
submission of theirs records only a conversion, as seed 000 says. A row whose email the
tenant already has leaves that person as it is. The run is one writer job: every row or none,
and it plans again inside the transaction, so a person who arrived since the dry run is
counted as known, not created twice.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from ingest.domain.submissions import Touches, record
from ingest.domain.validation import CleanSubmission, company_key, validate
from ingest.storage import Connection
from ingest.storage import imports as store
from ingest.storage.reads import new_id

MAX_BYTES = 2 * 1024 * 1024
MAX_ROWS = 5000
TARGETS = {
    "email": "Email",
    "first_name": "First name",
    "last_name": "Last name",
    "company": "Company",
}
# Headers read as a target without asking (lower-cased, spaces, dashes and dots removed): the
# customer's files come from English, Danish and Norwegian tools.
GUESSES = {
    "email": {"email", "emailaddress", "mail", "epost", "epostadresse", "emailadresse"},
    "first_name": {"firstname", "givenname", "fornavn"},
    "last_name": {"lastname", "surname", "familyname", "efternavn", "etternavn"},
    "company": {
        "company",
        "companyname",
        "organisation",
        "organization",
        "account",
        "firma",
        "firmanavn",
        "virksomhed",
        "bedrift",
    },
}


class ImportRefused(Exception):
    """The file as a whole cannot be imported (not CSV, too large, no email column)."""


@dataclass(frozen=True)
class Table:
    headers: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]  # without the header row; short rows padded


@dataclass(frozen=True)
class Row:
    number: int  # the line's row number in the file, the header being 1
    raw_email: str  # as the file has it, to show with an error
    clean: CleanSubmission
    outcome: str  # "new", "known", "repeat" (the same email earlier in the file), "error"
    message: str = ""


@dataclass
class Plan:
    rows: list[Row] = field(default_factory=list)
    new_companies: int = 0

    def count(self, outcome: str) -> int:
        return sum(1 for row in self.rows if row.outcome == outcome)

    @property
    def errors(self) -> list[Row]:
        return [row for row in self.rows if row.outcome == "error"]


def read_csv(data: bytes) -> Table:
    """The file's header and rows: UTF-8 (with or without a byte-order mark) or, failing that,
    Windows-1252 as older spreadsheets save it; comma, semicolon or tab separated."""
    if len(data) > MAX_BYTES:
        raise ImportRefused(f"The file is larger than {MAX_BYTES // (1024 * 1024)} MB.")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1252", errors="replace")
    if "\x00" in text:
        raise ImportRefused("This does not look like a CSV file (it holds binary data).")
    sample = text[:8192]
    try:
        dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    try:
        lines = list(csv.reader(io.StringIO(text, newline=""), dialect))
    except csv.Error as error:
        raise ImportRefused(f"The file could not be read as CSV ({error}).") from None
    lines = [line for line in lines if any(cell.strip() for cell in line)]
    if not lines:
        raise ImportRefused("The file is empty.")
    headers = tuple(cell.strip() for cell in lines[0])
    if len(lines) - 1 > MAX_ROWS:
        raise ImportRefused(f"The file has more than {MAX_ROWS:,} rows: split it.")
    width = len(headers)
    rows = tuple(tuple(line[:width]) + ("",) * (width - len(line)) for line in lines[1:])
    return Table(headers, rows)


def guess_mapping(headers: Sequence[str]) -> dict[str, int]:
    """Target -> column index, for the headers that name one plainly."""
    mapping: dict[str, int] = {}
    for index, header in enumerate(headers):
        key = "".join(ch for ch in header.lower() if ch.isalnum())
        for target, names in GUESSES.items():
            if key in names and target not in mapping:
                mapping[target] = index
    return mapping


def check_mapping(mapping: dict[str, int], headers: Sequence[str]) -> None:
    if "email" not in mapping:
        raise ImportRefused("Choose the column that holds the email addresses.")
    for index in mapping.values():
        if not 0 <= index < len(headers):
            raise ImportRefused("The columns chosen are not the file's.")
    if len(set(mapping.values())) != len(mapping):
        raise ImportRefused("A column can be used for one field only.")


def plan(conn: Connection, tenant_id: str, table: Table, mapping: dict[str, int]) -> Plan:
    """What each row will do, against the tenant's persons and companies as they are now."""
    check_mapping(mapping, table.headers)
    cleaned = []
    for offset, cells in enumerate(table.rows):
        raw = {target: cells[index] for target, index in mapping.items() if cells[index]}
        cleaned.append((offset + 2, raw.get("email", ""), validate(raw, [])))
    emails = [c.email for _, _, c in cleaned if not c.errors and c.email]
    known = store.known_emails(conn, tenant_id, emails)
    result = Plan()
    seen: dict[str, int] = {}
    new_company_keys: set[str] = set()
    for number, raw_email, clean in cleaned:
        if clean.errors:
            message = "; ".join(f"{TARGETS.get(k, k)}: {v}" for k, v in clean.errors.items())
            result.rows.append(Row(number, raw_email, clean, "error", message))
        elif clean.email in seen:
            result.rows.append(
                Row(
                    number,
                    raw_email,
                    clean,
                    "repeat",
                    f"The same email as row {seen[clean.email]}.",
                )
            )
        elif clean.email in known:
            seen[clean.email] = number
            result.rows.append(
                Row(number, raw_email, clean, "known", "Already a person: left as it is.")
            )
        else:
            seen[clean.email] = number
            result.rows.append(Row(number, raw_email, clean, "new"))
            if clean.company:
                new_company_keys.add(company_key(clean.company))
    existing = store.known_company_keys(conn, tenant_id, sorted(new_company_keys))
    result.new_companies = len(new_company_keys - existing)
    return result


def run(
    conn: Connection,
    *,
    tenant_id: str,
    table: Table,
    mapping: dict[str, int],
    skip_errors: bool,
    utm_transfer: bool,
) -> Plan:
    """The writer job: plan again, refuse (``ImportRefused``, nothing written) when a row has
    an error and ``skip_errors`` is off, else record every new person."""
    result = plan(conn, tenant_id, table, mapping)
    if result.errors and not skip_errors:
        raise ImportRefused(
            f"{len(result.errors)} row(s) have errors: fix them in the file, or choose to skip "
            "them. Nothing was imported."
        )
    for row in _new(result.rows):
        record(
            conn,
            tenant_id=tenant_id,
            form_id="",
            submission_id=new_id("sub"),
            clean=row.clean,
            touches=Touches(),
            utm_transfer=utm_transfer,
            via="import",
        )
    return result


def _new(rows: Iterable[Row]) -> Iterable[Row]:
    return (row for row in rows if row.outcome == "new")
