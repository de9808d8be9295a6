-- The journal's schema, version 1. Idempotent: safe to run again on a database that already has it.

-- The log. `position` is allocated at insert, before commit, so positions commit out of order; `tx` is the inserting
-- transaction, and log readers page by (tx, position) below the oldest running transaction, never by position alone.
create table if not exists ates_events (
    position        bigint generated always as identity primary key,
    tx              xid8 not null default pg_current_xact_id(),
    stream_id       text not null,
    stream_version  bigint not null,
    event_id        uuid not null,
    type            text not null,
    version         int not null,
    data            bytea not null,
    occurred_at     timestamptz not null,
    correlation_id  text,
    causation_id    text,
    trace_parent    text,
    actor_user_id   text,
    constraint ates_events_stream_version unique (stream_id, stream_version),
    -- An event is in the journal once; also how an append whose commit went unanswered is looked up.
    constraint ates_events_event_id unique (event_id)
);
create index if not exists ates_events_by_log on ates_events (tx, position);

-- Each stream's current version: the row an append locks and moves, which is the per-stream conflict check.
create table if not exists ates_streams (
    stream_id  text primary key,
    version    bigint not null
);

-- A subscription's epoch once it was first restarted (no row: epoch 1).
create table if not exists ates_subscriptions (
    subscription  text primary key,
    epoch         bigint not null
);

-- Where each queue of a subscription has delivered up to. A row of an older epoch than the subscription's counts as none.
create table if not exists ates_checkpoints (
    subscription  text not null,
    queue         int not null,
    epoch         bigint not null,
    tx            bigint not null,
    position      bigint not null,
    owner         text,
    updated_at    timestamptz not null,
    primary key (subscription, queue)
);

create table if not exists ates_dead_letters (
    id               uuid primary key,
    subscription     text not null,
    target           text not null,
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

create table if not exists ates_shared_keys (
    name   text primary key,
    value  text not null
);
