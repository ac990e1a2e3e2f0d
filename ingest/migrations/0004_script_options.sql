-- The optional parts of utm.js a tenant's sites get (tracker/variants.mjs): a comma-separated
-- list in the build's order, '' for the default script.
ALTER TABLE tenants ADD COLUMN script_options TEXT NOT NULL DEFAULT '';
