-- "Open in CreatorIQ": the organization's address template for a contractor's page in
-- CreatorIQ's web app, with {campaign_id} and {creator_id}; NULL while none was written.
ALTER TABLE ciq_settings ADD COLUMN app_link_template TEXT;
