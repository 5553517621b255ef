-- A copy registers no webhooks of its own on the channels until a person
-- presses Register webhooks there: saving a backend of the copy (new
-- credentials for a test shop, say) does not bring subscriptions in step.
UPDATE retail_backend
   SET webhook_synced_at = NULL;
