-- One schema and one login role per bounded context: each service can touch only its own schema.
-- Runs once, when the postgres container initialises its data directory.
CREATE EXTENSION IF NOT EXISTS btree_gist;

DO $$
DECLARE
  svc text;
BEGIN
  FOREACH svc IN ARRAY ARRAY['catalog', 'inventory', 'booking', 'payment', 'waitingroom', 'gateway'] LOOP
    EXECUTE format('CREATE ROLE %I LOGIN PASSWORD %L', svc || '_svc', svc || '_svc');
    EXECUTE format('CREATE SCHEMA IF NOT EXISTS %I AUTHORIZATION %I', svc, svc || '_svc');
    EXECUTE format('ALTER ROLE %I SET search_path = %I', svc || '_svc', svc);
    EXECUTE format('REVOKE ALL ON SCHEMA public FROM %I', svc || '_svc');
  END LOOP;
END $$;
