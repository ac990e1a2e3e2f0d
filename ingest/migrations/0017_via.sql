-- How each lead came: 'form' (one of the tenant's forms: every submission before this
-- migration), 'chat', 'api' or 'import' (POST /api/v1/leads). A submission that came by
-- another way than a form has the form id '' (no form).
ALTER TABLE submissions ADD COLUMN via TEXT NOT NULL DEFAULT 'form';
