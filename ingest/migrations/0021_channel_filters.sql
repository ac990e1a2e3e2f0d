-- The channel filters of the persons list (migration 0013) in its default order, newest
-- first, as 0014 gives every other filter: the matches in creation order, so a channel few
-- persons came by does not walk the whole tenant.
CREATE INDEX persons_by_ft_channel_created ON persons (tenant_id, ft_channel, created_at, person_id);
CREATE INDEX persons_by_lc_channel_created ON persons (tenant_id, lc_channel, created_at, person_id);
