-- A form's thank-you message, shown on the hosted thank-you page when the form has no
-- thank-you address of its own.
ALTER TABLE forms ADD COLUMN thank_you_message TEXT;

-- Submissions per form over the last days (the forms list), newest first.
CREATE INDEX submissions_by_form_and_time ON submissions (tenant_id, form_id, submitted_at);
