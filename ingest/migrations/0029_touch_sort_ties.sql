-- One index per touch column on persons, not two. The persons list sorted by a touch column
-- (first-touch or lead-creation source, medium, campaign, channel) now breaks the column's
-- ties by creation, then id (``storage/people.py``), so the filter indexes of 0014 and 0021,
-- (tenant_id, column, created_at, person_id), serve the sort as well, and 0009's and 0013's
-- (tenant_id, column, person_id) only cost every new person's insert (8 of its 24 indexes;
-- scripts/bench job prices them at about a seventh of the submission job's CPU).
DROP INDEX persons_by_ft_source;
DROP INDEX persons_by_ft_medium;
DROP INDEX persons_by_ft_campaign;
DROP INDEX persons_by_ft_channel;
DROP INDEX persons_by_lc_source;
DROP INDEX persons_by_lc_medium;
DROP INDEX persons_by_lc_campaign;
DROP INDEX persons_by_lc_channel;
