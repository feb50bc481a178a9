"""Movies, theatres, screens with seat layouts, shows with prices per tier.

Revision ID: 0001
Revises:
Create Date: 2025-11-24

Two shows on one screen may not overlap in time. The service checks first (for a helpful
message), but two concurrent CreateShow calls could both pass that check, so the rule is also an
exclusion constraint over (screen_id, [start_time, end_time)) — which needs btree_gist for the
uuid equality part. The extension is created in ``public`` when missing (in containers the
postgres init script has created it already).
"""

from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("CREATE EXTENSION IF NOT EXISTS btree_gist WITH SCHEMA public")
    op.execute(
        """CREATE TABLE catalog.movies (
            id uuid PRIMARY KEY,
            title text NOT NULL CHECK (btrim(title) <> ''),
            duration_minutes integer NOT NULL CHECK (duration_minutes > 0),
            rating text NOT NULL DEFAULT '',
            genres text[] NOT NULL DEFAULT '{}',
            language text NOT NULL DEFAULT '',
            description text NOT NULL DEFAULT '',
            release_date timestamptz,
            created_at timestamptz NOT NULL DEFAULT now()
        )"""
    )
    op.execute("CREATE INDEX movies_title_idx ON catalog.movies (title, id)")
    op.execute(
        """CREATE TABLE catalog.theatres (
            id uuid PRIMARY KEY,
            name text NOT NULL CHECK (btrim(name) <> ''),
            city text NOT NULL CHECK (btrim(city) <> ''),
            address text NOT NULL DEFAULT '',
            created_at timestamptz NOT NULL DEFAULT now(),
            CONSTRAINT theatres_name_city_key UNIQUE (name, city)
        )"""
    )
    op.execute("CREATE INDEX theatres_city_idx ON catalog.theatres (city, name, id)")
    op.execute(
        """CREATE TABLE catalog.screens (
            id uuid PRIMARY KEY,
            theatre_id uuid NOT NULL REFERENCES catalog.theatres (id),
            name text NOT NULL CHECK (btrim(name) <> ''),
            layout jsonb NOT NULL,
            capacity integer NOT NULL CHECK (capacity > 0),
            created_at timestamptz NOT NULL DEFAULT now(),
            CONSTRAINT screens_theatre_name_key UNIQUE (theatre_id, name)
        )"""
    )
    op.execute(
        """CREATE TABLE catalog.shows (
            id uuid PRIMARY KEY,
            movie_id uuid NOT NULL REFERENCES catalog.movies (id),
            screen_id uuid NOT NULL REFERENCES catalog.screens (id),
            theatre_id uuid NOT NULL REFERENCES catalog.theatres (id),
            start_time timestamptz NOT NULL,
            end_time timestamptz NOT NULL,
            currency text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
            prices jsonb NOT NULL,
            bookable boolean NOT NULL DEFAULT false,
            movie_title text NOT NULL,
            theatre_name text NOT NULL,
            screen_name text NOT NULL,
            city text NOT NULL,
            capacity integer NOT NULL,
            created_at timestamptz NOT NULL DEFAULT now(),
            CONSTRAINT shows_end_after_start CHECK (end_time > start_time),
            CONSTRAINT shows_no_overlap_on_screen EXCLUDE USING gist (
                screen_id WITH =, tstzrange(start_time, end_time, '[)') WITH &&
            )
        )"""
    )
    op.execute("CREATE INDEX shows_start_idx ON catalog.shows (start_time, id)")
    op.execute("CREATE INDEX shows_movie_idx ON catalog.shows (movie_id, start_time)")
    op.execute("CREATE INDEX shows_theatre_idx ON catalog.shows (theatre_id, start_time)")
    op.execute("CREATE INDEX shows_unopened_idx ON catalog.shows (start_time) WHERE NOT bookable")


def downgrade() -> None:
    for table in ("shows", "screens", "theatres", "movies"):
        op.execute(f"DROP TABLE catalog.{table}")
