-- A neutralized copy of the database talks to no channel. Odoo's base module
-- already switches every scheduled action off; this switches off what runs
-- without one.

-- Every flow off: no batch run and no real-time push (orders, stock, prices,
-- catalog, shipments, POS transactions, loyalty points, settlement fetches).
UPDATE retail_backend_flow
   SET mode = 'off'
 WHERE mode != 'off';

-- New webhook URLs, so the copy answers 404 to production's, and no
-- production credential left to call or sign with.
UPDATE retail_backend
   SET webhook_token = replace(
           gen_random_uuid()::text || gen_random_uuid()::text, '-', ''),
       api_key_encrypted = NULL,
       api_secret_encrypted = NULL,
       access_token_encrypted = NULL,
       refresh_token_encrypted = NULL,
       webhook_secret_encrypted = NULL,
       webhook_secret_previous_encrypted = NULL;

-- Jobs production had queued for the channels never run in the copy (the job
-- runner does not depend on scheduled actions).
UPDATE queue_job
   SET state = 'cancelled',
       date_cancelled = now() AT TIME ZONE 'UTC'
 WHERE state IN ('wait_dependencies', 'pending', 'enqueued')
   AND (channel = 'root.retail' OR channel LIKE 'root.retail.%');
