-- The visitor's touch history behind a submission: the touches utm.js sent in ls_touches.
-- Position 0 is the oldest; at most 20 per submission, each a row of touches.
CREATE TABLE submission_touches (
    tenant_id      TEXT NOT NULL REFERENCES tenants (tenant_id),
    submission_id  TEXT NOT NULL,
    position       INTEGER NOT NULL,
    touch_id       TEXT NOT NULL,
    PRIMARY KEY (tenant_id, submission_id, position)
);
