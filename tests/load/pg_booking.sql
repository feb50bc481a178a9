-- pgbench script: the booking transaction alone (lock two fresh seats in id order, take them,
-- insert the booking and its seat lines), for "our bookings/s as a share of what PostgreSQL
-- allows". Tables in schema bench_pg, created by tests/load/pgonly.py.
SELECT nextval('bench_pg.next_pair') AS k \gset
BEGIN;
SELECT id, status FROM bench_pg.seats WHERE id IN (2 * :k, 2 * :k + 1) ORDER BY id FOR UPDATE;
UPDATE bench_pg.seats SET status = 'RESERVED', booking = :k WHERE id IN (2 * :k, 2 * :k + 1);
INSERT INTO bench_pg.bookings (id, user_id, status, total_minor, created_at)
    VALUES (:k, gen_random_uuid(), 'PENDING', 40000, now());
INSERT INTO bench_pg.booking_seats (booking_id, seat_id)
    VALUES (:k, 2 * :k), (:k, 2 * :k + 1);
COMMIT;
