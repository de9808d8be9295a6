-- Ates schema, version 1. Idempotent: safe to run again on a database that already has it.

-- The global log. `position` is allocated at insert, before commit, so positions commit out of order; `tx` is the
-- inserting transaction, and readers page by (tx, position) below the oldest running transaction, never by position
-- alone (DESIGN.md "Storage providers").
create table if not exists ates_events (
    position        bigint generated always as identity primary key,
    tx              xid8 not null default pg_current_xact_id(),
    stream_id       text not null,
    stream_version  bigint not null,
    partition       int not null,
    event_id        uuid not null,
    type            text not null,
    version         int not null,
    data            bytea not null,
    occurred_at     timestamptz not null,
    correlation_id  text,
    causation_id    text,
    trace_parent    text,
    actor_user_id   text,
    constraint ates_events_stream_version unique (stream_id, stream_version)
);
create index if not exists ates_events_by_partition on ates_events (partition, tx, position);
create index if not exists ates_events_by_log on ates_events (tx, position);

-- Each stream's current version: the row an append locks and moves, which is the per-stream conflict check.
create table if not exists ates_streams (
    stream_id  text primary key,
    version    bigint not null
);

create table if not exists ates_snapshots (
    stream_id  text primary key,
    version    bigint not null,
    state      bytea not null
);

create table if not exists ates_checkpoints (
    subscription  text not null,
    partition     int not null,
    tx            bigint not null,
    position      bigint not null,
    primary key (subscription, partition)
);

create table if not exists ates_dead_letters (
    id               uuid primary key,
    subscription     text not null,
    partition        int not null,
    event_id         uuid not null,
    stream_id        text not null,
    stream_version   bigint not null,
    tx               bigint not null,
    position         bigint not null,
    type             text not null,
    error            text not null,
    attempts         int not null,
    first_failed_at  timestamptz not null,
    last_failed_at   timestamptz not null,
    constraint ates_dead_letters_once unique (subscription, event_id)
);

create table if not exists ates_reminders (
    grain_type  text not null,
    grain_key   text not null,
    name        text not null,
    partition   int not null,
    due_at      timestamptz not null,
    period_ms   bigint not null,
    etag        uuid not null,
    primary key (grain_type, grain_key, name)
);
create index if not exists ates_reminders_by_partition on ates_reminders (partition);

create table if not exists ates_silos (
    silo_id       text primary key,
    address       text not null,
    started_at    timestamptz not null,
    heartbeat_at  timestamptz not null,
    status        int not null
);

create table if not exists ates_shared_keys (
    name   text primary key,
    value  text not null
);

-- Settings fixed when the store is created, such as the number of partitions.
create table if not exists ates_settings (
    name   text primary key,
    value  text not null
);
