-- The lead board (ingest/storage/board.py): each column is one status's persons, newest in
-- the status first, paged by keyset on (lead_status_at, person_id). This index walks a
-- column in that order and stops at the page's last card, whatever the column's size; its
-- prefix also answers the columns' counts.
--
-- Every status change writes lead_status_at with the status (storage/leads.py); a person
-- with a status and no time would sort outside the keyset, so give them their creation.
UPDATE persons SET lead_status_at = created_at
    WHERE lead_status_id IS NOT NULL AND lead_status_at IS NULL;
CREATE INDEX persons_on_board ON persons (tenant_id, lead_status_id, lead_status_at, person_id);
